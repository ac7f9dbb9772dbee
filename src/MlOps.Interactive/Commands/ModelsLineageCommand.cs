namespace MlOps.Interactive.Commands;

/// <summary>`#!models lineage`.</summary>
public sealed class ModelsLineageCommand : MlOpsDirectiveCommand
{
    public string? Model { get; set; }

    public string? Version { get; set; }

    internal override SubcommandSpec Spec => RegistrySyntax.Lineage;
}
