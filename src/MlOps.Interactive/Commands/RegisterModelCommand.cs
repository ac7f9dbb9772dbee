namespace MlOps.Interactive.Commands;

/// <summary>`#!register`.</summary>
public sealed class RegisterModelCommand : MlOpsDirectiveCommand
{
    public string? Run { get; set; }

    public bool Best { get; set; }

    public string? Experiment { get; set; }

    public string? Metric { get; set; }

    public string? Description { get; set; }

    public string? Model { get; set; }

    internal override SubcommandSpec Spec => RegistrySyntax.Register;
}
