using System.Text.Json;
using System.Text.Json.Serialization;
using MlOps.Tracking;

namespace MlOps.Tests.Tracking;

/// <summary>
/// What every <see cref="IRunStore"/> backend must do. A backend's test class derives from this and supplies
/// <see cref="OpenStore"/>; the same suite then runs against it (LiteDB today, a server database later).
/// </summary>
public abstract partial class RunStoreContract : IDisposable
{
    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    private readonly List<IRunStore> _opened = [];
    private IRunStore? _store;

    /// <summary>Open the store under test; called again to get a second, independent handle on the same data.</summary>
    protected abstract IRunStore OpenStore();

    protected IRunStore Store => _store ??= OpenAgain();

    /// <summary>A fresh handle on the same store, so a test proves data went through storage, not a cache.</summary>
    protected IRunStore OpenAgain()
    {
        var store = OpenStore();
        lock (_opened) _opened.Add(store);
        return store;
    }

    public virtual void Dispose()
    {
        foreach (var store in _opened) store.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static string Id(int i) => $"{i:x4}0000aaaabbbbccccdddd";

    protected static Run NewRun(string id, string experiment = "exp", DateTimeOffset? startedAt = null, IReadOnlyDictionary<string, double>? metrics = null,
        RunStatus status = RunStatus.Finished, string trainer = "FastTree") => new()
    {
        Id = id,
        Experiment = experiment,
        Status = status,
        Trainer = trainer,
        StartedAt = startedAt ?? new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Metrics = metrics ?? new Dictionary<string, double>(),
    };

    protected static Run FullRun(string id) => new()
    {
        Id = id,
        Experiment = "churn.v2",
        Status = RunStatus.Failed,
        StartedAt = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)).AddTicks(1234567),
        EndedAt = new DateTimeOffset(2025, 3, 4, 5, 16, 7, TimeSpan.FromHours(-5)).AddTicks(7),
        Error = "Training failed: label column 'churn' has one value. Check the data.",
        Task = "binary",
        Trainer = "LightGbm",
        Params = new Dictionary<string, string> { ["featurize.max_rank"] = "100", ["split.seed"] = "42", ["odd key $[]'\""] = "ü", [""] = "empty" },
        TrainerOptions = new Dictionary<string, string> { ["numberOfTrees"] = "100", ["learning.rate"] = "0.1" },
        Metrics = new Dictionary<string, double>
        {
            ["auc"] = 0.91, ["f1.macro"] = 0.5, ["r²"] = -1e-300, ["log_loss"] = double.MaxValue, ["_x"] = 0, ["1st"] = 1,
        },
        Stages =
        [
            new StageRecord("load", "k1", true, 0.25),
            new StageRecord("train", "k2", false, 12.5),
        ],
        Data = new DataFingerprint(new string('a', 64), 1234, [new SchemaColumn("age", "number"), new SchemaColumn("plan", "category")]),
        FeaturizerCodeHash = new string('c', 64),
        Model = new ArtifactRef(new string('d', 64), 123456789012, "model"),
        Featurizer = new ArtifactRef(new string('e', 64), 42, "featurizer"),
        Signature = [new SchemaColumn("age", "number"), new SchemaColumn("active", "bool")],
        RunKey = "runkey",
        MlNetVersion = "5.0.0",
        RuntimeVersion = ".NET 10.0.0",
        Tags = new Dictionary<string, string> { ["source"] = "cli", ["sweep.group"] = "g1" },
    };

    protected static void AssertSame<T>(T expected, T? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(JsonSerializer.Serialize(expected, Json), JsonSerializer.Serialize(actual, Json));
    }

    private static string[] Ids(IEnumerable<Run> runs) => runs.Select(r => r.Id).ToArray();

    [Fact]
    public void SaveRun_round_trips_every_field()
    {
        var run = FullRun(Id(1));
        Store.SaveRun(run);
        AssertSame(run, OpenAgain().FindRun(run.Id));
    }

    [Fact]
    public void SaveRun_round_trips_a_minimal_run()
    {
        var run = new Run { Id = Id(2), Experiment = "e" };
        Store.SaveRun(run);
        var loaded = OpenAgain().FindRun(run.Id);
        AssertSame(run, loaded);
        Assert.Null(loaded!.EndedAt);
        Assert.Null(loaded.Model);
        Assert.Null(loaded.Data);
    }

    [Fact]
    public void SaveBatch_stores_the_run_its_details_and_its_stage_entries_together()
    {
        var run = FullRun(Id(7));
        var details = new RunDetails { RunId = run.Id, Roc = [new CurvePoint(0, 0), new CurvePoint(1, 1)] };
        var stage = new StageCacheEntry { Key = "evaluate-key", Stage = "evaluate", RunId = run.Id, Facts = new Dictionary<string, string> { ["metric.auc"] = "0.9" } };

        Store.SaveBatch(run, details, [stage]);

        var reopened = OpenAgain();
        AssertSame(run, reopened.FindRun(run.Id));
        Assert.Equal(2, reopened.FindDetails(run.Id)!.Roc.Count);
        Assert.Equal("0.9", reopened.FindStage("evaluate-key")!.Facts["metric.auc"]);
        Assert.Equal(1, reopened.ListExperiments().Single(e => e.Name == run.Experiment).Runs);
    }

    [Fact]
    public void SaveRun_replaces_the_run_with_the_same_id()
    {
        Store.SaveRun(NewRun(Id(3), status: RunStatus.Running));
        var finished = NewRun(Id(3), metrics: new Dictionary<string, double> { ["auc"] = 0.7 });
        Store.SaveRun(finished);

        AssertSame(finished, Store.FindRun(Id(3)));
        Assert.Single(Store.QueryRuns(new RunQuery()));
        Assert.Equal(1, Store.ListExperiments().Single().Runs);
    }

    [Fact]
    public void FindRun_accepts_a_unique_prefix_of_four_or_more_characters()
    {
        Store.SaveRun(NewRun("abcd1111"));
        Store.SaveRun(NewRun("abce2222"));

        Assert.Equal("abcd1111", Store.FindRun("abcd")!.Id);
        Assert.Equal("abce2222", Store.FindRun("abce2")!.Id);
        Assert.Equal("abcd1111", Store.FindRun("abcd1111")!.Id);
        Assert.Null(Store.FindRun("ffff"));
        Assert.Null(Store.FindRun("abcd1111x"));
    }

    [Fact]
    public void FindRun_with_an_ambiguous_prefix_lists_the_matches()
    {
        Store.SaveRun(NewRun("abcd1111"));
        Store.SaveRun(NewRun("abcd2222"));

        var error = Assert.Throws<MlOpsException>(() => Store.FindRun("abcd"));
        Assert.Contains("abcd1111", error.Message);
        Assert.Contains("abcd2222", error.Message);
        Assert.Contains("ambiguous", error.Message);
    }

    [Fact]
    public void FindRun_with_a_too_short_prefix_asks_for_more()
    {
        Store.SaveRun(NewRun("abcd1111"));
        Assert.Throws<MlOpsException>(() => Store.FindRun("abc"));
    }

    [Fact]
    public void QueryRuns_defaults_to_newest_first_and_honours_limit()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Store.SaveRun(NewRun("run-b", startedAt: t0.AddMinutes(2)));
        Store.SaveRun(NewRun("run-a", startedAt: t0.AddMinutes(1)));
        Store.SaveRun(NewRun("run-c", startedAt: t0.AddMinutes(3)));

        Assert.Equal(["run-c", "run-b", "run-a"], Ids(Store.QueryRuns(new RunQuery())));
        Assert.Equal(["run-a", "run-b", "run-c"], Ids(Store.QueryRuns(new RunQuery { Descending = false })));
        Assert.Equal(["run-c", "run-b"], Ids(Store.QueryRuns(new RunQuery { Limit = 2 })));
        Assert.Empty(Store.QueryRuns(new RunQuery { Limit = 0 }));
    }

    [Fact]
    public void QueryRuns_filters_by_experiment_status_and_trainer()
    {
        Store.SaveRun(NewRun("r1", "a", status: RunStatus.Finished, trainer: "FastTree"));
        Store.SaveRun(NewRun("r2", "a", status: RunStatus.Failed, trainer: "FastTree"));
        Store.SaveRun(NewRun("r3", "a", status: RunStatus.Finished, trainer: "LightGbm"));
        Store.SaveRun(NewRun("r4", "b", status: RunStatus.Finished, trainer: "FastTree"));

        Assert.Equal(["r1", "r2", "r3"], Ids(Store.QueryRuns(new RunQuery { Experiment = "a" })).Order());
        Assert.Equal(["r2"], Ids(Store.QueryRuns(new RunQuery { Status = RunStatus.Failed })));
        Assert.Equal(["r1", "r2", "r4"], Ids(Store.QueryRuns(new RunQuery { Trainer = "FastTree" })).Order());
        Assert.Equal(["r1"], Ids(Store.QueryRuns(new RunQuery { Experiment = "a", Status = RunStatus.Finished, Trainer = "FastTree" })));
        Assert.Empty(Store.QueryRuns(new RunQuery { Experiment = "A" }));
    }

    [Fact]
    public void QueryRuns_orders_by_a_metric_with_runs_missing_it_last()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Store.SaveRun(NewRun("mid", metrics: new Dictionary<string, double> { ["f1.macro"] = 0.5 }, startedAt: t0));
        Store.SaveRun(NewRun("none-old", startedAt: t0.AddMinutes(1)));
        Store.SaveRun(NewRun("high", metrics: new Dictionary<string, double> { ["f1.macro"] = 0.9 }, startedAt: t0.AddMinutes(2)));
        Store.SaveRun(NewRun("none-new", metrics: new Dictionary<string, double> { ["other"] = 1 }, startedAt: t0.AddMinutes(3)));
        Store.SaveRun(NewRun("low", metrics: new Dictionary<string, double> { ["f1.macro"] = -2 }, startedAt: t0.AddMinutes(4)));
        Store.SaveRun(NewRun("other-exp", "b", metrics: new Dictionary<string, double> { ["f1.macro"] = 1.0 }));

        var query = new RunQuery { Experiment = "exp", OrderByMetric = "f1.macro" };
        Assert.Equal(["high", "mid", "low", "none-new", "none-old"], Ids(Store.QueryRuns(query)));
        Assert.Equal(["low", "mid", "high", "none-new", "none-old"], Ids(Store.QueryRuns(query with { Descending = false })));
        Assert.Equal(["high"], Ids(Store.QueryRuns(query with { Limit = 1 })));
        Assert.Equal(["low", "mid", "high", "none-new"], Ids(Store.QueryRuns(query with { Descending = false, Limit = 4 })));
        Assert.Equal(["other-exp", "high"], Ids(Store.QueryRuns(new RunQuery { OrderByMetric = "f1.macro", Limit = 2 })));
    }

    [Fact]
    public void QueryRuns_by_a_metric_no_run_has_falls_back_to_newest_first()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Store.SaveRun(NewRun("old", startedAt: t0));
        Store.SaveRun(NewRun("new", startedAt: t0.AddDays(1)));
        Assert.Equal(["new", "old"], Ids(Store.QueryRuns(new RunQuery { OrderByMetric = "never.logged" })));
    }

    [Fact]
    public void ListExperiments_summarises_runs_per_experiment()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Store.SaveRun(NewRun("a1", "a", t0));
        Store.SaveRun(NewRun("a2", "a", t0.AddHours(5)));
        Store.SaveRun(NewRun("a3", "a", t0.AddHours(1)));
        Store.SaveRun(NewRun("b1", "b", t0.AddHours(2)));

        var experiments = OpenAgain().ListExperiments().OrderBy(e => e.Name).ToList();
        Assert.Equal(2, experiments.Count);
        Assert.Equal(("a", 3), (experiments[0].Name, experiments[0].Runs));
        Assert.Equal(t0.AddHours(5), experiments[0].LastRunAt);
        Assert.Equal(("b", 1), (experiments[1].Name, experiments[1].Runs));
        Assert.Equal(t0.AddHours(2), experiments[1].LastRunAt);
    }

    [Fact]
    public void ListExperiments_follows_a_run_moved_to_another_experiment()
    {
        Store.SaveRun(NewRun("r1", "a"));
        Store.SaveRun(NewRun("r1", "b"));
        Assert.Equal([("b", 1)], Store.ListExperiments().Select(e => (e.Name, e.Runs)));
    }

    [Fact]
    public void Details_round_trip_and_are_absent_until_saved()
    {
        var details = new RunDetails
        {
            RunId = Id(5),
            Roc = [new CurvePoint(0, 0, 1), new CurvePoint(0.1, 0.8, 0.5), new CurvePoint(1, 1)],
            PrecisionRecall = [new CurvePoint(0.5, 0.9, 0.3)],
            Confusion = new ConfusionMatrix(["no", "yes"], [[50L, 3L], [4L, 10_000_000_000L]]),
            PerClass = new Dictionary<string, ClassMetrics> { ["no"] = new(0.9, 0.8), ["a.b"] = new(0.1, 0.2) },
            Residuals = [new CurvePoint(3.5, 3.25)],
            FeatureImportance = new Dictionary<string, double> { ["age"] = 0.2, ["plan.gold"] = -0.01 },
        };
        Assert.Null(Store.FindDetails(details.RunId));
        Store.SaveDetails(details);
        AssertSame(details, OpenAgain().FindDetails(details.RunId));

        var minimal = new RunDetails { RunId = Id(6) };
        Store.SaveDetails(minimal);
        AssertSame(minimal, Store.FindDetails(minimal.RunId));
    }

    [Fact]
    public void Stage_entries_round_trip_by_key()
    {
        var entry = new StageCacheEntry
        {
            Key = new string('9', 64),
            Stage = "featurize",
            Output = new ArtifactRef(new string('1', 64), 10, "idv"),
            Facts = new Dictionary<string, string> { ["rows"] = "1000", ["metrics.auc"] = "0.9" },
            RunId = Id(7),
            CreatedAt = new DateTimeOffset(2025, 5, 6, 7, 8, 9, TimeSpan.FromHours(9)).AddTicks(3),
        };
        Assert.Null(Store.FindStage(entry.Key));
        Store.SaveStage(entry);
        AssertSame(entry, OpenAgain().FindStage(entry.Key));

        var noOutput = new StageCacheEntry { Key = "k2", Stage = "load" };
        Store.SaveStage(noOutput);
        AssertSame(noOutput, Store.FindStage("k2"));
    }

    [Fact]
    public void Artifacts_are_content_addressed_and_verified()
    {
        var bytes = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray();
        var first = Store.Artifacts.Put(s => s.Write(bytes), "model");
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, bytes);
            var second = Store.Artifacts.Put(file, "model");
            Assert.Equal(first, second);
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Equal(Hashing.ContentHash.Of(bytes).Hex, first.Sha256);
        Assert.Equal(bytes.Length, first.Bytes);
        Assert.True(Store.Artifacts.Contains(first.Sha256));
        Assert.False(Store.Artifacts.Contains(new string('0', 64)));
        using (var read = Store.Artifacts.OpenVerified(first))
        using (var copy = new MemoryStream())
        {
            read.CopyTo(copy);
            Assert.Equal(bytes, copy.ToArray());
        }
    }

    [Fact]
    public void Artifacts_detect_a_flipped_byte_and_a_missing_file()
    {
        var artifact = Store.Artifacts.Put(s => s.Write("hello model"u8), "model");
        var path = ((FileArtifactStore)Store.Artifacts).PathOf(artifact);
        var content = File.ReadAllBytes(path);
        content[3] ^= 0x01;
        File.WriteAllBytes(path, content);

        var corrupted = Assert.Throws<MlOpsException>(() => Store.Artifacts.OpenVerified(artifact).Dispose());
        Assert.Contains(artifact.Sha256, corrupted.Message);
        Assert.Contains(path, corrupted.Message);
        Assert.Contains("corrupted", corrupted.Message);
        using (Store.Artifacts.OpenRead(artifact)) { } // the unverified path does not hash

        File.Delete(path);
        var missing = Assert.Throws<MlOpsException>(() => Store.Artifacts.OpenVerified(artifact).Dispose());
        Assert.Contains(artifact.Sha256, missing.Message);
        Assert.False(Store.Artifacts.Contains(artifact.Sha256));
    }

    [Fact]
    public void Concurrent_writers_on_eight_threads_lose_nothing()
    {
        const int threads = 8, perThread = 40;
        var shared = Store;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            // Half the threads share one handle, half open their own: both must be safe.
            var store = t % 2 == 0 ? shared : OpenAgain();
            for (var i = 0; i < perThread; i++)
            {
                store.SaveRun(NewRun($"t{t}-{i:D3}", $"exp{t % 3}", metrics: new Dictionary<string, double> { ["auc"] = i, [$"m{t}"] = i }));
                store.SaveStage(new StageCacheEntry { Key = $"k{t}-{i}", Stage = "train" });
                artifactsOf(store).Put(s => s.Write("same bytes everywhere"u8), "blob");
            }
        });

        var all = OpenAgain().QueryRuns(new RunQuery());
        Assert.Equal(threads * perThread, all.Count);
        Assert.Equal(threads * perThread, all.Select(r => r.Id).Distinct().Count());
        Assert.Equal(threads * perThread, Store.ListExperiments().Sum(e => e.Runs));
        Assert.Equal(perThread - 1, Store.QueryRuns(new RunQuery { OrderByMetric = "m5", Limit = 1 }).Single().Metrics["m5"]);
        Assert.NotNull(Store.FindStage("k7-39"));

        static IArtifactStore artifactsOf(IRunStore store) => store.Artifacts;
    }
}
