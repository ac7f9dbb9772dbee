namespace MlOps.Interactive.Commands;

/// <summary>`#!rollback`.</summary>
public sealed class RollbackModelCommand : MlOpsDirectiveCommand
{
    public string? Model { get; set; }

    public string? Reason { get; set; }

    public string? Gates { get; set; }

    internal override SubcommandSpec Spec => RegistrySyntax.Rollback;
}
