namespace MlOps.Monitoring;

/// <summary>One stored window in the time view: its status, the primary metric (measured, else estimated) and the drift share.</summary>
public sealed record WindowSummary(string Window, int Version, DateTimeOffset At, string Status, int Rows, bool Labelled, int Failed)
{
    /// <summary>The check the metric comes from, e.g. performance.auc or estimated.accuracy (null: not scored).</summary>
    public string? Metric { get; init; }

    public double? MetricValue { get; init; }

    /// <summary>The bound the metric was held against (its value at registration less the tolerance).</summary>
    public double? MetricThreshold { get; init; }

    public double? DriftShare { get; init; }

    public double? DriftShareThreshold { get; init; }
}

/// <summary>The time view of a model's monitoring: its stored window reports summarised, oldest first.</summary>
public static class MonitoringTimeline
{
    public static IReadOnlyList<WindowSummary> Of(IReadOnlyList<MonitoringReport> reports) => reports.Select(Summarise).ToList();

    public static WindowSummary Summarise(MonitoringReport r)
    {
        // The first compared metric is the task's primary one (ModelMonitor compares it first).
        var metric = r.Checks.FirstOrDefault(c => c.Name.StartsWith(CheckNames.Performance + ".", StringComparison.Ordinal) && !c.Name.EndsWith(".threshold", StringComparison.Ordinal))
            ?? r.Checks.FirstOrDefault(c => c.Name.StartsWith(CheckNames.Estimated + ".", StringComparison.Ordinal));
        var drift = r.Checks.FirstOrDefault(c => c.Name == CheckNames.DriftShare);
        return new WindowSummary(r.WindowId, r.Version, r.At, r.Status, r.Rows, r.Labelled, r.Failed.Count())
        {
            Metric = metric?.Name, MetricValue = metric?.Value, MetricThreshold = metric?.Threshold,
            DriftShare = drift?.Value, DriftShareThreshold = drift?.Threshold,
        };
    }
}
