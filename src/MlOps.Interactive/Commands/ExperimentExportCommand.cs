namespace MlOps.Interactive.Commands;

/// <summary>`#!experiment export RUN --out FILE`.</summary>
public sealed class ExperimentExportCommand : ExperimentDirectiveCommand
{
    public string? Run { get; set; }

    public string? Out { get; set; }

    internal override SubcommandSpec Spec => ExperimentSyntax.Export;
}
