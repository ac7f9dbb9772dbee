namespace MlOps.Interactive.Commands;

/// <summary>`#!experiment import FILE`.</summary>
public sealed class ExperimentImportCommand : ExperimentDirectiveCommand
{
    public string? File { get; set; }

    internal override SubcommandSpec Spec => ExperimentSyntax.Import;
}
