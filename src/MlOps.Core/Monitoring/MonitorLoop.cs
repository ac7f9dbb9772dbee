using MlOps.Data;
using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Monitoring;

/// <summary>What to monitor: a model's version (by number, else by stage, Production by default) on a window CSV.</summary>
public sealed record MonitorRequest
{
    public required string Model { get; init; }

    /// <summary>The window: a CSV file (also what a retrain trains on).</summary>
    public required string Data { get; init; }

    public int? Version { get; init; }

    public ModelStage? Stage { get; init; }

    /// <summary>Carry out the decisions the policy marks automatic, and open records for the others.</summary>
    public bool Apply { get; init; }

    /// <summary>Say what an automatic decision would run, without training, registering or recording it.</summary>
    public bool DryRun { get; init; }

    /// <summary>The window's id in the time view (default: the file name without extension).</summary>
    public string? WindowId { get; init; }

    /// <summary>
    /// Check the window in pieces (<see cref="ModelMonitor.Check(IEnumerable{Table}, string)"/>): memory holds one piece,
    /// not the window. For windows from the prediction log, which can be millions of rows and carry no labels.
    /// </summary>
    public bool Streamed { get; init; }
}

/// <summary>One pass of the loop: the checked version, the report, the decision (if any) and what came of it.</summary>
public sealed record MonitorResult(ModelVersion Version, MonitoringReport Report, Decision? Decision, DecisionOutcome? Outcome)
{
    /// <summary>healthy (every check passed), acted (an automatic action reached Production) or degraded.</summary>
    public string Status => Report.Status == MonitoringReport.Healthy ? MonitoringReport.Healthy : Outcome?.Status ?? MonitoringReport.Degraded;
}

/// <summary>
/// The monitoring loop every surface runs (`mlops monitor`, `#!monitor`): resolve the version, get its reference
/// profile (stored at registration, else built once now), check the window, store the result for the time view,
/// decide, and with <see cref="MonitorRequest.Apply"/> act through <see cref="Retrainer"/>.
/// </summary>
public static class MonitorLoop
{
    public static MonitorResult Run(ModelRegistry registry, IRunStore runs, MonitoringJournal journal, MonitorRequest request)
    {
        if (!File.Exists(request.Data))
            throw new MlOpsException($"The window '{request.Data}' is not a file. Give --data <csv>: the new rows to check the model on (with the label column when the ground truth has arrived).");
        var version = Resolve(registry, request);
        // The model's gate thresholds are also the absolute bar its window metrics must meet.
        var policy = MonitorPolicy.Default with { Thresholds = registry.GateFile.For(version.Model).Thresholds };
        var window = request.Streamed ? null : TableLoader.Load(request.Data);
        var windowId = request.WindowId ?? Path.GetFileNameWithoutExtension(request.Data);
        MonitoringReport report;
        using (var monitor = new ModelMonitor(version, ReferenceProfiles.GetOrBuild(version, runs), runs.Artifacts, policy))
            report = window is not null ? monitor.Check(window, windowId) : monitor.Check(TableLoader.LoadCsvChunks(request.Data, ModelMonitor.PieceRows), windowId);
        journal.Checked(report);
        var decision = DecisionRules.Decide(report, policy);
        DecisionOutcome? outcome = null;
        if (decision is not null && (request.Apply || request.DryRun))
            outcome = new Retrainer(registry, runs, journal, policy).Act(report, decision, request.Data, dryRun: request.DryRun);
        return new MonitorResult(version, report, decision, outcome);
    }

    private static ModelVersion Resolve(ModelRegistry registry, MonitorRequest request)
    {
        if (request.Version is { } number)
            return registry.Version(request.Model, number);
        var stage = request.Stage ?? ModelStage.Production;
        var versions = registry.Versions(request.Model);
        return versions.LastOrDefault(v => v.Stage == stage) ?? throw new MlOpsException(
            $"Model '{request.Model}' has no version in {stage} (its versions are {string.Join(", ", versions.Select(v => $"v{v.Version} {v.Stage}"))}). " +
            "Give --version <n> to monitor one of them, or promote one first.");
    }
}
