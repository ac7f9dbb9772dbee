namespace MlOps.Interactive.Commands;

/// <summary>`#!models alias`.</summary>
public sealed class ModelsAliasCommand : MlOpsDirectiveCommand
{
    public string? Model { get; set; }

    public string? Version { get; set; }

    public string? Alias { get; set; }

    internal override SubcommandSpec Spec => RegistrySyntax.AliasSet;
}
