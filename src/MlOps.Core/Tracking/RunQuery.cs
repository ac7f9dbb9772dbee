namespace MlOps.Tracking;

/// <summary>A search over runs. Empty query = all runs, newest first.</summary>
public sealed record RunQuery
{
    public string? Experiment { get; init; }

    public RunStatus? Status { get; init; }

    public string? Trainer { get; init; }

    /// <summary>Sort by this metric (runs without it come last); null sorts by start time.</summary>
    public string? OrderByMetric { get; init; }

    public bool Descending { get; init; } = true;

    public int? Limit { get; init; }
}
