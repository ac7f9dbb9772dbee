using MlOps.Data;
using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Monitoring;

/// <summary>What an automatic decision would run: the experiment, the window it trains on, and the full params.</summary>
public sealed record RetrainPlan(string Code, string Experiment, string Data, IReadOnlyDictionary<string, string> Params)
{
    /// <summary>The params that differ from the version's run (what a reviewer reads in a dry run).</summary>
    public IReadOnlyDictionary<string, string?> Changes { get; init; } = new Dictionary<string, string?>();
}

/// <summary>
/// What came of a decision: whether its action ran (<see cref="Applied"/>: trained and registered), the version it
/// produced, the gates that version met, and whether it reached Production. <see cref="Refused"/> says why not, in
/// one sentence (a gate failed, a person must decide, the training failed, or it was a dry run).
/// </summary>
public sealed record DecisionOutcome
{
    public required Decision Decision { get; init; }

    public RetrainPlan? Plan { get; init; }

    public bool DryRun { get; init; }

    public bool Applied { get; init; }

    public int? NewVersion { get; init; }

    public string? RunId { get; init; }

    public IReadOnlyList<GateResult> Gates { get; init; } = [];

    public bool Promoted { get; init; }

    public string? Refused { get; init; }

    /// <summary>The decision record written for it (null for a dry run, which changes nothing).</summary>
    public DecisionRecord? Record { get; init; }

    /// <summary>The 2a search that followed when a retrain (1) did not pass its gates.</summary>
    public DecisionOutcome? Escalated { get; init; }

    /// <summary>The last step of the chain (the escalation when there was one).</summary>
    public DecisionOutcome Final => Escalated?.Final ?? this;

    /// <summary>"acted" when a new version reached Production, else "degraded".</summary>
    public string Status => Final.Promoted ? Acted : MonitoringReport.Degraded;

    public const string Acted = "acted";
}

/// <summary>
/// Carries out monitoring decisions. Decision 1 re-runs the version's run params on the new window (data.path
/// pointed at the window's CSV, same trainer and options), registers the run as the next version and promotes it to
/// Production only through the gates. Decision 2a does the same with train.trainer=auto (the trainer search) and
/// registers the best candidate. A retrain refused by its gates escalates to 2a when the policy lets 2a run on its
/// own (the issue's rule: a retrained model still under the bar calls for a new model). 2b and 3 are recorded for a
/// person. Every decision that is not a dry run is appended to the journal (monitoring store and catalog).
/// </summary>
public sealed class Retrainer(ModelRegistry registry, IRunStore runs, MonitoringJournal journal, MonitorPolicy? policy = null)
{
    private readonly MonitorPolicy _policy = policy ?? MonitorPolicy.Default;

    /// <summary>Who approved an automatic action in the records.</summary>
    public const string Policy = "policy";

    public DecisionOutcome Act(MonitoringReport report, Decision decision, string windowPath, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(decision);
        var version = registry.Version(report.Model, report.Version);
        if (!decision.Automatic)
        {
            var pending = $"decision {decision.Code} needs a person: the policy runs only {string.Join(", ", _policy.Automatic.Order(StringComparer.Ordinal))} on its own";
            return dryRun
                ? new DecisionOutcome { Decision = decision, DryRun = true, Refused = pending }
                : Record(report, decision, new DecisionOutcome { Decision = decision, Refused = pending }, "open for review: " + decision.Action);
        }
        if (decision.Code is not (Decision.Retrain or Decision.NewModel))
            throw new MlOpsException($"Decision {decision.Code} has no automatic action; only 1 (retrain) and 2a (new model search) run without a person. Remove it from MonitorPolicy.Automatic.");

        var plan = Plan(version, decision.Code, windowPath);
        if (dryRun)
            return new DecisionOutcome { Decision = decision, Plan = plan, DryRun = true, Refused = "dry run: nothing was trained, registered or promoted" };

        var outcome = Train(report, decision, version, plan);
        var note = outcome.Promoted
            ? $"v{outcome.NewVersion} trained on {plan.Data}, passed the gates and is now Production"
            : outcome.NewVersion is { } v ? $"v{v} trained on {plan.Data} but not promoted: {outcome.Refused}" : $"not applied: {outcome.Refused}";
        outcome = Record(report, decision, outcome, note);

        if (!outcome.Promoted && decision.Code == Decision.Retrain
            && DecisionRules.Decide(report, _policy, new RetrainOutcome(outcome.NewVersion, false, outcome.Refused ?? "")) is { Code: Decision.NewModel, Automatic: true } search)
            outcome = outcome with { Escalated = Act(report, search, windowPath) };
        return outcome;
    }

    /// <summary>The params decision <paramref name="code"/> would run for <paramref name="version"/> on the window at <paramref name="windowPath"/>.</summary>
    public static RetrainPlan Plan(ModelVersion version, string code, string windowPath)
    {
        if (!File.Exists(windowPath))
            throw new MlOpsException($"The window '{windowPath}' is not a file. Retraining needs the window as a CSV file (give --data <csv>).");
        var full = Path.GetFullPath(windowPath);
        var original = new ParamSet().WithAll(version.Params);
        var p = original.Without("data.file").With("data.path", full);

        // Features are listed per data set name (featurize.features.cwurData): the window's file has another name, so
        // its list is the one the version was trained with, or featurize would take every column.
        var trainedOn = version.Params.GetValueOrDefault("data.file") is { Length: > 0 } file
            ? Path.GetFileNameWithoutExtension(file)
            : Path.GetFileNameWithoutExtension(version.Params.GetValueOrDefault("data.path") ?? "");
        var windowName = Path.GetFileNameWithoutExtension(full);
        if (original["featurize.features." + trainedOn] is { } features && trainedOn != windowName)
            p = p.With("featurize.features." + windowName, features);

        // A window of one year (or batch) cannot be split by that column: validate on a random share instead.
        if (p.GetString("split.by") is { Length: > 0 } by && DistinctValues(full, by) < 2)
            p = p.Without("split.by").With("split.test_fraction", "0.25");

        if (code == Decision.NewModel)
        {
            foreach (var key in p.KeysUnder("train.").Where(k => k != "train.task").ToList())
                p = p.Without(key);
            p = p.With("train.trainer", "auto");
        }
        var changes = p.Values.Where(kv => original[kv.Key] != kv.Value).Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value))
            .Concat(original.Values.Keys.Where(k => !p.Contains(k)).Select(k => KeyValuePair.Create(k, (string?)null)))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value);
        var experiment = (version.Experiment.Length > 0 ? version.Experiment : version.Model) + (code == Decision.NewModel ? "-search" : "-retrain");
        return new RetrainPlan(code, experiment, full, p.Values) { Changes = changes };
    }

    private static int DistinctValues(string csv, string column)
    {
        var table = TableLoader.Load(csv);
        return table.TryGetColumn(column, out var values)
            ? Enumerable.Range(0, values.Length).Select(values.GetText).Where(t => !string.IsNullOrWhiteSpace(t)).Distinct().Take(2).Count()
            : 0;
    }

    private DecisionOutcome Train(MonitoringReport report, Decision decision, ModelVersion version, RetrainPlan plan)
    {
        var result = new Experiments(runs).Run(new ExperimentRequest
        {
            Name = plan.Experiment, Params = new ParamSet().WithAll(plan.Params), Source = "monitor",
        });
        var finished = result.Runs.Where(r => r.Run.Status == RunStatus.Finished).ToList();
        var best = result.Best is { Run.Status: RunStatus.Finished } b ? b.Run : finished.FirstOrDefault()?.Run;
        if (best is null)
        {
            var error = result.Runs.Select(r => r.Run.Error).FirstOrDefault(e => e is not null) ?? "no run finished";
            return new DecisionOutcome { Decision = decision, Plan = plan, Refused = $"the training failed ({error})" };
        }

        var registered = registry.Register(best.Id, version.Model,
            $"monitoring decision {decision.Code} on window {report.WindowId}: {(decision.Code == Decision.NewModel ? "trainer search" : "retrained")} on {plan.Data}");
        var promotion = registry.Promote(version.Model, registered.Version, ModelStage.Production,
            $"monitoring decision {decision.Code} ({decision.Reason}) on window {report.WindowId}");
        return new DecisionOutcome
        {
            Decision = decision, Plan = plan, Applied = true, NewVersion = registered.Version, RunId = best.Id, Gates = promotion.Gates,
            Promoted = promotion.Promoted,
            Refused = promotion.Promoted ? null
                : "a gate failed, Production is unchanged: " + string.Join("; ", promotion.Gates.Where(g => !g.Passed).Select(g => $"{g.Name} ({g.Detail})")),
        };
    }

    private DecisionOutcome Record(MonitoringReport report, Decision decision, DecisionOutcome outcome, string note)
    {
        var record = new DecisionRecord
        {
            Model = report.Model, Version = report.Version, WindowId = report.WindowId, At = journal.Now, Decision = decision,
            Applied = outcome.Applied, NewVersion = outcome.NewVersion, By = decision.Automatic ? Policy : "", Note = note,
        };
        journal.Decided(record, outcome.Promoted ? DecisionOutcome.Acted : MonitoringReport.Degraded);
        return outcome with { Record = record };
    }
}
