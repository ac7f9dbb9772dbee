using MlOps.Registry;
using MlOps.Storage;
using MlOps.Storage.Postgres;
using MlOps.Tracking;

namespace MlOps.Tests.Storage;

/// <summary>The whole store contract (the suite the LiteDB store passes) against a real PostgreSQL server, one fresh database per test.</summary>
public sealed class PostgresStoreTests : Tracking.RunStoreContract
{
    private readonly PostgresDatabase _database = new();
    private readonly string _artifacts = Path.Combine(Path.GetTempPath(), "mlops-pg-artifacts-" + Guid.NewGuid().ToString("N"));

    protected override IRunStore OpenStore() => PostgresStore.Open(_database.Url + "?artifacts=" + Uri.EscapeDataString(_artifacts));

    protected PostgresDatabase Database => _database;

    [Fact]
    public void Records_come_back_exactly_with_values_a_jsonb_document_would_change()
    {
        // Key order, -0, NaN, infinities, the smallest and largest doubles and \u0000: jsonb would reorder, round or refuse them.
        var metrics = new Dictionary<string, double>
        {
            ["zeta"] = -0.0, ["b"] = double.NaN, ["a"] = double.PositiveInfinity, [""] = double.NegativeInfinity,
            ["tiny"] = double.Epsilon, ["huge"] = double.MaxValue, ["nul\0name"] = 1, ["0.1"] = 0.1,
        };
        var run = FullRun(Id(1)) with { Metrics = metrics, Error = "line\0end", Params = new Dictionary<string, string> { ["z"] = "1", ["a"] = "\0", [""] = "3" } };
        var details = new RunDetails
        {
            RunId = run.Id, Roc = [new CurvePoint(-0.0, double.Epsilon)], FeatureImportance = new Dictionary<string, double> { ["z"] = 1, ["a"] = -0.0 },
            PerClass = new Dictionary<string, ClassMetrics> { ["yes"] = new(double.NaN, 1), ["no"] = new(0, -0.0) },
        };
        var stage = new StageCacheEntry { Key = "k", Stage = "s", Facts = new Dictionary<string, string> { ["z"] = "1", ["a"] = "2" }, CreatedAt = DateTimeOffset.MaxValue };
        Store.SaveBatch(run, details, [stage]);
        var version = Models.AddVersion(Draft("churn", run.Id) with { Metrics = metrics, Params = run.Params, CreatedAt = DateTimeOffset.MinValue });
        var transition = new Transition
        {
            Model = "churn", Version = 1, From = ModelStage.None, To = ModelStage.Staging, At = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromMinutes(-570)).AddTicks(9),
            By = "b\0b", Reason = "r", Gates = [new GateResult("auc >= 0.5", true, "auc = NaN")],
        };
        Assert.True(Models.TryChangeStage(new StageChange { Transition = transition, ExpectedFrom = ModelStage.None }));
        var gate = new GateRun { Model = "churn", Version = 1, Target = ModelStage.Production, At = transition.At, By = "ci", Purpose = "gate", Results = [new GateResult("smoke", false, "\0")] };
        Models.AddGateRun(gate);

        var again = (PostgresStore)OpenAgain();
        AssertSame(run, again.FindRun(run.Id));
        AssertSame(details, again.FindDetails(run.Id));
        AssertSame(stage, again.FindStage("k"));
        AssertSame(version with { Stage = ModelStage.Staging }, again.FindVersion("churn", 1));
        AssertSame(transition with { Sequence = 1 }, Assert.Single(again.History("churn")));
        AssertSame(gate, Assert.Single(again.GateRuns("churn")));
    }

    [Fact]
    public void Ranking_puts_NaN_with_the_runs_missing_the_metric_and_keeps_the_infinities_in_order()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Store.SaveRun(NewRun("plus-inf", metrics: new Dictionary<string, double> { ["m"] = double.PositiveInfinity }, startedAt: t0));
        Store.SaveRun(NewRun("minus-inf", metrics: new Dictionary<string, double> { ["m"] = double.NegativeInfinity }, startedAt: t0));
        Store.SaveRun(NewRun("one", metrics: new Dictionary<string, double> { ["m"] = 1 }, startedAt: t0));
        Store.SaveRun(NewRun("nan", metrics: new Dictionary<string, double> { ["m"] = double.NaN }, startedAt: t0.AddDays(1)));
        Store.SaveRun(NewRun("none", startedAt: t0.AddDays(2)));

        Assert.Equal(["plus-inf", "one", "minus-inf", "none", "nan"], Store.QueryRuns(new RunQuery { OrderByMetric = "m" }).Select(r => r.Id));
        Assert.Equal(["minus-inf", "one", "plus-inf", "none", "nan"], Store.QueryRuns(new RunQuery { OrderByMetric = "m", Descending = false }).Select(r => r.Id));
    }

    [Fact]
    public void A_metric_gets_one_index_on_the_first_query_ranking_by_it()
    {
        Store.SaveRun(NewRun("r1", metrics: new Dictionary<string, double> { ["it's"] = 1, ["other"] = 2 }));
        long Indexes() => Convert.ToInt64(_database.Scalar("SELECT count(*) FROM pg_indexes WHERE tablename = 'runs' AND indexname LIKE 'runs_metric_%'"));
        Assert.Equal(0L, Indexes());

        Parallel.For(0, 4, _ => Assert.Equal("r1", OpenAgain().QueryRuns(new RunQuery { OrderByMetric = "it's", Limit = 1 }).Single().Id));

        Assert.Equal(1L, Indexes());
        Assert.Contains("'it''s'", (string)_database.Scalar("SELECT indexdef FROM pg_indexes WHERE indexname LIKE 'runs_metric_%'")!);
    }

    [Fact]
    public void ImportModel_copies_a_model_exactly_and_refuses_one_that_exists()
    {
        var at = new DateTimeOffset(2025, 2, 3, 4, 5, 6, TimeSpan.FromHours(1));
        ModelVersion[] versions =
        [
            Draft("churn", Id(1)) with { Version = 3, Stage = ModelStage.Archived, CreatedAt = at },
            Draft("churn", Id(2)) with { Version = 5, Stage = ModelStage.Production, Aliases = ["champion", "b"], CreatedAt = at.AddDays(1) },
        ];
        Transition[] history =
        [
            new() { Model = "churn", Version = 3, Sequence = 4, From = ModelStage.None, To = ModelStage.Production, At = at, Reason = "first" },
            new() { Model = "churn", Version = 5, Sequence = 7, From = ModelStage.None, To = ModelStage.Production, At = at.AddDays(2), Reason = "second" },
        ];
        GateRun[] gates = [new() { Model = "churn", Version = 5, Target = ModelStage.Production, At = at, Purpose = "promote", Results = [new("smoke", true, "ok")] }];
        var transfer = (IStoreTransfer)Store;

        transfer.ImportModel("churn", versions, history, gates);

        var again = (PostgresStore)OpenAgain();
        Assert.Equal(versions.Length, again.ListVersions("churn").Count);
        foreach (var (expected, actual) in versions.Zip(again.ListVersions("churn"))) AssertSame(expected, actual);
        foreach (var (expected, actual) in history.Zip(again.History("churn"))) AssertSame(expected, actual);
        AssertSame(gates[0], Assert.Single(again.GateRuns("churn")));
        Assert.Equal(new ModelSummary("churn", 5, 5, 5, at.AddDays(2).ToUniversalTime()), Assert.Single(again.ListModels()));
        // The registry goes on from the imported numbers.
        Assert.Equal(6, again.AddVersion(Draft("churn", Id(3))).Version);
        Assert.True(again.TryChangeStage(new StageChange
        {
            Transition = new Transition { Model = "churn", Version = 6, From = ModelStage.None, To = ModelStage.Staging }, ExpectedFrom = ModelStage.None, ExpectedProduction = 5,
        }));
        Assert.Equal(8, again.History("churn")[^1].Sequence);

        var exists = Assert.Throws<MlOpsException>(() => transfer.ImportModel("churn", versions, history, gates));
        Assert.Contains("already exists", exists.Message);
        Assert.Equal(3, again.ListVersions("churn").Count);

        // Records that do not fit the model are refused by the contract suite (RunStoreContract.Transfer).
    }

    [Fact]
    public void ListStages_pages_through_every_entry()
    {
        var stages = Enumerable.Range(0, 2345).Select(i => new StageCacheEntry { Key = $"k{i}", Stage = "train", RunId = "r" }).ToList();
        Store.SaveBatch(NewRun("r"), null, [.. stages, new StageCacheEntry { Key = "", Stage = "empty key" }]);

        var listed = ((IStoreTransfer)OpenAgain()).ListStages().ToList();

        Assert.Equal(stages.Count + 1, listed.Select(s => s.Key).Distinct().Count());
        Assert.Contains(listed, s => s.Stage == "empty key");
    }

    public override void Dispose()
    {
        base.Dispose();
        _database.Dispose();
        if (Directory.Exists(_artifacts)) Directory.Delete(_artifacts, recursive: true);
    }
}
