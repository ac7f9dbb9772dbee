namespace MlOps.Interactive.Commands;

/// <summary>`#!experiment run`. --set may repeat on the line; as JSON, give the assignments separated by spaces.</summary>
public sealed class ExperimentRunCommand : ExperimentDirectiveCommand
{
    public string? Name { get; set; }

    public string? Data { get; set; }

    public string? Label { get; set; }

    public string? Features { get; set; }

    public string? Categorical { get; set; }

    public string? Filter { get; set; }

    public string? Trainer { get; set; }

    public string? Task { get; set; }

    public string? SplitBy { get; set; }

    public string? TestFraction { get; set; }

    public string? Seed { get; set; }

    public string? Params { get; set; }

    public string? Set { get; set; }

    public bool Force { get; set; }

    public bool FeatureImportance { get; set; }

    public string? Parallel { get; set; }

    public bool Quiet { get; set; }

    internal override SubcommandSpec Spec => ExperimentSyntax.Run;
}
