using MlOps.Catalog;
using MlOps.Core.Tests.Data;
using MlOps.Data;
using MlOps.Monitoring;
using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Storage.LiteDb;
using MlOps.Tests.Shared;

namespace MlOps.Tests.Monitoring;

/// <summary>
/// Decisions carried out on a real rankings model in Production (v1, 20 trees): a window of 2014-2015 whose ranking
/// is reversed inside the top 100 (the label flips, the inputs do not) makes the monitor decide 1; the retrain must go
/// through the gates, and a dry run must change nothing.
/// </summary>
public sealed class RetrainerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlops-retrain-").FullName;
    private readonly LiteDbRunStore _store;
    private readonly LiteDbRunStore _catalog;

    public RetrainerTests()
    {
        _store = LiteDbRunStore.Open(Path.Combine(_directory, "store"));
        _catalog = LiteDbRunStore.Open(Path.Combine(_directory, "catalog"));
        var p = ParamSet.Load(Path.Combine(RepoPaths.Root, "params.yaml")).With("data.path", RepoPaths.Rankings("cwurData.csv")).With("train.n_est", "20");
        var run = new Experiments(_store).Run(new ExperimentRequest { Name = "rankings", Params = p }).Runs.Single().Run;
        var registry = ModelRegistry.Over(_store, new RegistryEventHub());
        registry.Register(run.Id, "rankings");
        Assert.True(registry.Promote("rankings", 1, ModelStage.Production, "first model").Promoted);
        Window = RankingsWindows.Write(RepoPaths.Rankings("cwurData.csv"), Path.Combine(_directory, "reversed.csv"), ["2014", "2015"], RankingsWindows.ReversedLabels);
    }

    private string Window { get; }

    private (Retrainer Retrainer, ModelRegistry Registry, MonitoringReport Report, Decision Decision) Setup(string? gates = null)
    {
        var events = new RegistryEventHub();
        var registry = new ModelRegistry(_store, _store, events, gates is null ? null : GateFile.Parse(gates));
        var version = registry.Production("rankings")!;
        using var monitor = new ModelMonitor(version, ReferenceProfiles.GetOrBuild(version, _store), _store.Artifacts);
        var report = monitor.Check(TableLoader.Load(Window), "reversed");
        var decision = DecisionRules.Decide(report)!;
        Assert.Equal(Decision.Retrain, decision.Code);
        var journal = new MonitoringJournal(_store, () => _catalog, "tests");
        journal.Checked(report);
        return (new Retrainer(registry, _store, journal), registry, report, decision);
    }

    [Fact]
    public void A_retrain_that_passes_the_gates_becomes_Production_and_is_recorded()
    {
        var (retrainer, registry, report, decision) = Setup();

        var outcome = retrainer.Act(report, decision, Window);

        Assert.True(outcome.Applied, outcome.Refused);
        Assert.True(outcome.Promoted, outcome.Refused);
        Assert.Equal(2, outcome.NewVersion);
        Assert.Equal(DecisionOutcome.Acted, outcome.Status);
        Assert.Equal(2, registry.Production("rankings")!.Version);
        Assert.All(outcome.Gates, g => Assert.True(g.Passed, g.Detail));
        // Same trainer and options, new data; the window is one file, so the feature list is carried over.
        var v2 = registry.Version("rankings", 2);
        Assert.Equal("FastForest", v2.Trainer);
        Assert.Equal("20", v2.Params["train.n_est"]);
        Assert.Equal(Path.GetFullPath(Window), v2.Params["data.path"]);
        Assert.Equal(v2.Params["featurize.features.cwurData"], v2.Params["featurize.features.reversed"]);
        Assert.Contains("decision 1", registry.History("rankings").Last().Reason);

        var record = Assert.Single(_store.ListDecisions("rankings"));
        Assert.Equal((true, 2, "policy"), (record.Applied, record.NewVersion, record.By));
        var catalog = new ModelCatalog(_catalog).Entry("rankings");
        var decided = Assert.Single(catalog.Decisions);
        Assert.Equal("1", decided.Facts["code"]);
        Assert.Equal("true", decided.Facts["applied"]);
        Assert.Equal("policy", decided.Facts["approvedBy"]);
        Assert.Equal("2", decided.Facts["newVersion"]);
        Assert.Equal("acted", catalog.MonitoringStatus);
        Assert.Contains(catalog.History, r => r.Kind == CatalogKinds.Monitored && r.Facts["status"] == "degraded" && r.Facts["version"] == "1");
    }

    [Fact]
    public void A_gate_that_fails_leaves_Production_unchanged_and_says_refused()
    {
        var (retrainer, registry, report, decision) = Setup("models:\n  rankings:\n    gates: [\"auc > 1\"]\n");

        var outcome = retrainer.Act(report, decision, Window);

        Assert.True(outcome.Applied);
        Assert.False(outcome.Promoted);
        Assert.Contains("auc > 1", outcome.Refused);
        Assert.Equal(1, registry.Production("rankings")!.Version);
        // The retrain under the bar escalates to a trainer search (2a), which the same gate refuses.
        Assert.Equal(Decision.NewModel, outcome.Escalated!.Decision.Code);
        Assert.False(outcome.Escalated.Promoted);
        Assert.Equal("auto", outcome.Escalated.Plan!.Params["train.trainer"]);
        Assert.Equal(MonitoringReport.Degraded, outcome.Status);
        Assert.Equal(["1", "2a"], _store.ListDecisions("rankings").Select(d => d.Decision.Code));
        Assert.All(_store.ListDecisions("rankings"), d => Assert.Contains("not promoted", d.Note));
    }

    [Fact]
    public void A_dry_run_reports_the_plan_and_changes_nothing()
    {
        var (retrainer, registry, report, decision) = Setup();
        var (versions, runs) = (registry.Versions("rankings").Count, _store.QueryRuns(new MlOps.Tracking.RunQuery()).Count);

        var outcome = retrainer.Act(report, decision, Window, dryRun: true);

        Assert.True(outcome.DryRun);
        Assert.False(outcome.Applied);
        Assert.Null(outcome.NewVersion);
        Assert.Equal(Path.GetFullPath(Window), outcome.Plan!.Data);
        Assert.Equal(Path.GetFullPath(Window), outcome.Plan.Changes["data.path"]);
        Assert.Null(outcome.Plan.Changes["data.file"]);
        Assert.Equal((versions, runs), (registry.Versions("rankings").Count, _store.QueryRuns(new MlOps.Tracking.RunQuery()).Count));
        Assert.Empty(_store.ListDecisions("rankings"));
    }

    [Fact]
    public void A_decision_for_a_person_is_recorded_open_and_not_acted_on()
    {
        var (retrainer, registry, report, _) = Setup();
        var schema = new Decision(Decision.Processing, "the data processing changed", ["schema.new_category [country]"], "Fix the mapping.", Automatic: false);

        var outcome = retrainer.Act(report, schema, Window);

        Assert.False(outcome.Applied);
        Assert.Contains("needs a person", outcome.Refused);
        Assert.Single(registry.Versions("rankings"));
        var record = Assert.Single(_store.ListDecisions("rankings"));
        Assert.Equal("", record.By);
        Assert.Equal("pending", new ModelCatalog(_catalog).Entry("rankings").Decisions.Single().Facts["approvedBy"]);
    }

    public void Dispose()
    {
        _store.Dispose();
        _catalog.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
