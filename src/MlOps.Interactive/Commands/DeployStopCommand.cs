namespace MlOps.Interactive.Commands;

/// <summary>`#!deploy stop`.</summary>
public sealed class DeployStopCommand : MlOpsDirectiveCommand
{
    public string? Model { get; set; }

    public bool All { get; set; }

    internal override SubcommandSpec Spec => DeploySyntax.Stop;
}
