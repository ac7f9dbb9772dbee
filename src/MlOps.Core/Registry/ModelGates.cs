namespace MlOps.Registry;

/// <summary>
/// The gates declared for one model (see <see cref="GateFile"/>). Smoke, schema and no-regression always run on
/// promotion to Staging or Production; these settings tune them and add metric thresholds.
/// </summary>
public sealed record ModelGates
{
    public static ModelGates Default { get; } = new();

    public IReadOnlyList<MetricThreshold> Thresholds { get; init; } = [];

    /// <summary>Compare against the current Production version re-scored now; false turns the gate off.</summary>
    public bool NoRegression { get; init; } = true;

    /// <summary>The metric compared (default: the task's primary metric, e.g. auc).</summary>
    public string? NoRegressionMetric { get; init; }

    /// <summary>How much worse than Production the candidate may score on that metric.</summary>
    public double Tolerance { get; init; }

    /// <summary>Held-out rows the smoke test scores.</summary>
    public int SmokeRows { get; init; } = 200;

    /// <summary>Metric thresholds on filtered subsets of the held-out rows.</summary>
    public IReadOnlyList<SliceGate> Slices { get; init; } = [];

    /// <summary>Upper bound on the average scoring time per row.</summary>
    public double MaxLatencyMsPerRow { get; init; } = 50;
}
