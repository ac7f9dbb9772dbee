namespace MlOps.Interactive.Commands;

/// <summary>`#!deploy list`.</summary>
public sealed class DeployListCommand : MlOpsDirectiveCommand
{
    public string? Model { get; set; }

    public bool All { get; set; }

    internal override SubcommandSpec Spec => DeploySyntax.List;
}
