namespace MlOps.Interactive.Commands;

/// <summary>`#!models unalias`.</summary>
public sealed class ModelsUnaliasCommand : MlOpsDirectiveCommand
{
    public string? Model { get; set; }

    public string? Alias { get; set; }

    internal override SubcommandSpec Spec => RegistrySyntax.Unalias;
}
