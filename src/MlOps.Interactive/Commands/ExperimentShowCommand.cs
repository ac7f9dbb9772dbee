namespace MlOps.Interactive.Commands;

/// <summary>`#!experiment show RUN`.</summary>
public sealed class ExperimentShowCommand : ExperimentDirectiveCommand
{
    public string? Run { get; set; }

    internal override SubcommandSpec Spec => ExperimentSyntax.Show;
}
