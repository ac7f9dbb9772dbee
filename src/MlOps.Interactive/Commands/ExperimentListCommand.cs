namespace MlOps.Interactive.Commands;

/// <summary>`#!experiment list`.</summary>
public sealed class ExperimentListCommand : ExperimentDirectiveCommand
{
    public string? Name { get; set; }

    public string? Status { get; set; }

    public string? Trainer { get; set; }

    public string? Sort { get; set; }

    public string? Limit { get; set; }

    public bool Best { get; set; }

    internal override SubcommandSpec Spec => ExperimentSyntax.List;
}
