namespace MlOps.Monitoring;

/// <summary>
/// One window's monitoring result: which version was checked, on which window, and every check. The status is
/// "healthy" when all checks passed, else "degraded" (the decision engine then says what to do).
/// </summary>
public sealed record MonitoringReport
{
    public const string Healthy = "healthy", Degraded = "degraded";

    public required string Model { get; init; }

    public required int Version { get; init; }

    /// <summary>The window's name (a day, a batch, a file), unique per model for the time view.</summary>
    public required string WindowId { get; init; }

    public DateTimeOffset At { get; init; }

    /// <summary>Rows of the window that were judged (after the model's filter, when the window has its columns).</summary>
    public int Rows { get; init; }

    /// <summary>Whether the window held the label, so real performance was measured instead of estimated.</summary>
    public bool Labelled { get; init; }

    public IReadOnlyList<CheckResult> Checks { get; init; } = [];

    /// <summary>What the checks could not do and why (e.g. no predictions because an input column is missing).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public string Status => Checks.All(c => c.Passed) ? Healthy : Degraded;

    public IEnumerable<CheckResult> Failed => Checks.Where(c => !c.Passed);
}
