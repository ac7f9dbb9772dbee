using System.Diagnostics;
using MlOps.Core.Tests.Data;
using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Storage.Postgres;
using MlOps.Tracking;
using Npgsql;
using Xunit.Abstractions;

namespace MlOps.Tests.Storage;

/// <summary>
/// The PostgreSQL store under concurrent writers: processes writing runs at once, promotions racing through the real
/// registry, the database itself refusing a second Production version, and a failing write leaving nothing behind.
/// </summary>
public sealed class PostgresConcurrencyTests(ITestOutputHelper output) : IDisposable
{
    private readonly PostgresDatabase _database = new();
    private readonly string _artifacts = Path.Combine(Path.GetTempPath(), "mlops-pg-artifacts-" + Guid.NewGuid().ToString("N"));
    private readonly List<PostgresStore> _opened = [];

    public void Dispose()
    {
        lock (_opened) foreach (var store in _opened) store.Dispose();
        _database.Dispose();
        if (Directory.Exists(_artifacts)) Directory.Delete(_artifacts, recursive: true);
    }

    private PostgresStore Open()
    {
        var store = PostgresStore.Open(_database.Url + "?artifacts=" + Uri.EscapeDataString(_artifacts));
        lock (_opened) _opened.Add(store);
        return store;
    }

    [Fact]
    public void Four_processes_writing_250_runs_each_lose_nothing()
    {
        const int processes = 4, perProcess = 250, experiments = 3;
        var store = Open(); // creates the schema and records the artifact directory the writers then find
        var writer = Path.Combine(AppContext.BaseDirectory, "MlOps.StoreWriter.dll");
        Assert.True(File.Exists(writer), $"{writer} is missing: build tests/MlOps.StoreWriter.");

        var started = Enumerable.Range(1, processes).Select(p => Process.Start(new ProcessStartInfo("dotnet")
        {
            // A fixed directory: tests running beside this one may move the process's current one and delete it.
            WorkingDirectory = Path.GetTempPath(),
            ArgumentList = { writer, _database.Url, $"p{p}", perProcess.ToString(), experiments.ToString() },
            RedirectStandardError = true,
            UseShellExecute = false,
        })!).ToList();
        foreach (var process in started)
        {
            var error = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "writer process hung");
            Assert.True(process.ExitCode == 0, error.Result);
        }

        var runs = store.QueryRuns(new RunQuery());
        Assert.Equal(processes * perProcess, runs.Count);
        Assert.Equal(processes * perProcess, runs.Select(r => r.Id).Distinct().Count());
        Assert.All(Enumerable.Range(1, processes), p => Assert.Equal(perProcess, runs.Count(r => r.Params["writer"] == $"p{p}")));
        var expected = runs.GroupBy(r => r.Experiment).Select(g => (g.Key, g.Count())).OrderBy(e => e.Key, StringComparer.Ordinal);
        Assert.Equal(expected, store.ListExperiments().Select(e => (e.Name, e.Runs)));
        Assert.Equal([84 * processes, 83 * processes, 83 * processes], store.ListExperiments().Select(e => e.Runs));
        Assert.Equal("p3-00249", store.QueryRuns(new RunQuery { OrderByMetric = "only.p3", Limit = 1 }).Single().Id);
    }

    [Fact]
    public void Eight_promotions_racing_through_the_registry_leave_one_Production_version_and_a_consistent_history()
    {
        const string model = "race";
        var setup = Open();
        var p = ParamSet.Load(Path.Combine(RepoPaths.Root, "params.yaml")).With("data.path", RepoPaths.Rankings("cwurData.csv"));
        var sweep = new Experiments(setup).Run(new ExperimentRequest
        {
            Name = "race", Params = p, Sets = ["train.n_est=" + string.Join(",", Enumerable.Range(1, 8))], MaxParallel = 2,
        });
        Assert.True(sweep.Succeeded);
        // A wide tolerance so every promotion passes no-regression whichever lands first: the test is about the race.
        var gates = GateFile.Parse($"models:\n  {model}:\n    no_regression: {{ tolerance: 1 }}\n");
        var registry = new ModelRegistry(setup, setup, new RegistryEventHub(), gates);
        var versions = sweep.Runs.Select(r => registry.Register(r.Run.Id, model).Version).ToList();
        Assert.Equal(Enumerable.Range(1, 8), versions);

        // Each promoter has its own store handle (its own connections) and its own thread; all start together.
        var outcomes = new (PromotionResult? Result, Exception? Error)[versions.Count];
        using var start = new Barrier(versions.Count);
        var threads = versions.Select((version, i) => new Thread(() =>
        {
            var own = Open();
            var racer = new ModelRegistry(own, own, new RegistryEventHub(), gates, actor: () => $"racer{version}");
            start.SignalAndWait();
            try
            {
                outcomes[i] = (racer.Promote(model, version, ModelStage.Production, $"race {version}"), null);
            }
            catch (Exception e)
            {
                outcomes[i] = (null, e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromMinutes(5)), "a promotion hung"));

        // Every promotion happens: a writer that loses the compare-and-set judges again against the new Production,
        // and each round has a winner, so eight racers need at most eight attempts (the engine allows more).
        Assert.All(outcomes, o => Assert.True(o.Error is null && o.Result!.Promoted, o.Error?.Message ?? string.Join("; ", o.Result!.Gates)));
        var promoted = outcomes.Length;

        var store = Open();
        var final = store.ListVersions(model);
        var production = Assert.Single(final, v => v.Stage == ModelStage.Production);
        Assert.Equal(promoted - 1, final.Count(v => v.Stage == ModelStage.Archived));
        var history = store.History(model);
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(t => t.Sequence));
        Assert.Equal(2 * promoted - 1, history.Count);
        int? current = null;
        for (var i = 0; i < history.Count; i++)
        {
            var entry = history[i];
            Assert.Equal((ModelStage.None, ModelStage.Production), (entry.From, entry.To));
            if (current is { } displaced)
            {
                // Every Production entry after the first is followed by the displaced version's archive entry.
                var archived = history[++i];
                Assert.Equal((displaced, ModelStage.Production, ModelStage.Archived), (archived.Version, archived.From, archived.To));
                Assert.StartsWith($"replaced in Production by v{entry.Version}", archived.Reason);
            }
            current = entry.Version;
        }
        Assert.Equal(production.Version, current);
        Assert.Equal(production.Version, Assert.Single(store.ListModels()).ProductionVersion);
    }

    [Fact]
    public void The_database_itself_refuses_a_second_Production_version()
    {
        var store = Open();
        AddVersions(store, "churn", 2);
        Assert.True(Promote(store, "churn", 1, expectedProduction: null));

        var update = Assert.Throws<PostgresException>(() =>
            _database.Scalar("UPDATE model_versions SET stage = 'Production' WHERE model = 'churn' AND version = 2"));
        Assert.Equal((PostgresErrorCodes.UniqueViolation, "model_versions_one_production"), (update.SqlState, update.ConstraintName));
        Assert.Equal([ModelStage.Production, ModelStage.None], store.ListVersions("churn").Select(v => v.Stage));
    }

    [Fact]
    public void A_writer_that_skips_the_model_lock_still_cannot_make_a_second_Production_version()
    {
        var store = Open();
        AddVersions(store, "churn", 2);

        // A raw transaction puts v1 in Production without the registry's lock and holds its commit back.
        using var raw = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(store.Address.ConnectionString) { Pooling = false }.ConnectionString);
        raw.Open();
        using var transaction = raw.BeginTransaction();
        using (var update = new NpgsqlCommand("UPDATE model_versions SET stage = 'Production' WHERE model = 'churn' AND version = 1", raw, transaction))
            update.ExecuteNonQuery();

        // The registry, seeing no Production version yet, promotes v2: the unique index makes it wait for the raw writer.
        var change = Task.Run(() => Promote(store, "churn", 2, expectedProduction: null));
        var clock = Stopwatch.StartNew();
        while (Convert.ToInt64(_database.Scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")) == 0)
        {
            Assert.False(change.IsCompleted, "the promotion finished without waiting for the raw writer");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the promotion never waited on the unique index");
            Thread.Sleep(20);
        }
        transaction.Commit();

        Assert.False(change.Result); // the index refused it: the compare-and-set lost, nothing of it was written
        Assert.Equal("Production,None", _database.Scalar("SELECT string_agg(stage, ',' ORDER BY version) FROM model_versions WHERE model = 'churn'"));
        Assert.Empty(store.History("churn"));
    }

    [Fact]
    public void A_batch_that_fails_part_way_leaves_nothing_behind()
    {
        var store = Open();
        _database.Scalar("""
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'stage cache refused on purpose'; END $$;
            CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON stage_cache FOR EACH ROW EXECUTE FUNCTION refuse();
            """);
        var run = new Run { Id = "batch-run", Experiment = "atomic", Status = RunStatus.Finished, Metrics = new Dictionary<string, double> { ["auc"] = 0.9 } };
        var details = new RunDetails { RunId = run.Id, Roc = [new CurvePoint(0, 0), new CurvePoint(1, 1)] };

        var error = Assert.Throws<MlOpsException>(() =>
            store.SaveBatch(run, details, [new StageCacheEntry { Key = "k1", Stage = "train", RunId = run.Id }]));

        Assert.Contains("stage cache refused on purpose", error.Message);
        Assert.Contains("Nothing was written", error.Message);
        var again = Open();
        Assert.Null(again.FindRun(run.Id));
        Assert.Null(again.FindDetails(run.Id));
        Assert.Empty(again.ListExperiments());
        Assert.Equal(0L, Convert.ToInt64(_database.Scalar("SELECT count(*) FROM runs")));
    }

    private static void AddVersions(PostgresStore store, string model, int count)
    {
        for (var i = 1; i <= count; i++)
            store.AddVersion(new ModelVersion { Model = model, RunId = $"run{i}", Artifact = new ArtifactRef(new string('d', 64), 1, "model") });
    }

    private static bool Promote(PostgresStore store, string model, int version, int? expectedProduction) => store.TryChangeStage(new StageChange
    {
        Transition = new Transition { Model = model, Version = version, From = ModelStage.None, To = ModelStage.Production, By = "test", Reason = "test" },
        ExpectedFrom = ModelStage.None,
        ExpectedProduction = expectedProduction,
    });
}
