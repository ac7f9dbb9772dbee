using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MlOps.Serving;
using MlOps.Storage;
using MlOps.Tracking;

namespace MlOps.Tests.Storage;

/// <summary>
/// `mlops store migrate`'s engine from the LiteDB source holding every record kind into an empty target of each
/// backend: everything arrives (checked record by record here, not only by the engine's own digests), a tampered
/// artifact fails verification, and a non-empty target is refused.
/// </summary>
public abstract class StoreMigrationTests(MigrationSource source) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    protected string Scratch { get; } = Directory.CreateTempSubdirectory("mlops-migrate-").FullName;

    /// <summary>A location for a new, empty target store of the backend under test.</summary>
    protected abstract string NewTarget();

    public virtual void Dispose()
    {
        try { Directory.Delete(Scratch, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Every_record_kind_and_artifact_arrives_and_verifies()
    {
        var to = NewTarget();
        var reports = new List<MigrationProgress>();

        var result = StoreMigration.Run(source.Folder, to, new SynchronousProgress(reports.Add), predictionBatch: 1_000);

        Assert.True(result.Verified, result.Mismatch);
        Assert.Equal(StoreDigest.Kinds, result.Kinds.Select(k => k.Kind));
        Assert.All(result.Kinds, k => Assert.True(k.Source > 0 && k.Match, $"{k.Kind}: {k.Source} -> {k.Target}"));
        Assert.Equal(MigrationSource.Predictions, result.Kinds.Single(k => k.Kind == StoreDigest.Predictions).Target);
        Assert.True(result.Artifacts.Source > 0 && result.Artifacts.Match);
        // Streamed: one report per batch of 1,000 (three batches of "rankings", one of "legacy"), each with a rate.
        Assert.True(reports.Count(r => r.Kind == StoreDigest.Predictions && r.Phase == "copy") >= 3);
        Assert.All(reports.Where(r => r.Kind == StoreDigest.Predictions && r.Phase == "copy"), r => Assert.True(r.RowsPerSecond > 0));

        using var from = Stores.OpenAt(source.Folder);
        using var target = Stores.OpenAt(to);
        AssertSame(from.QueryRuns(new RunQuery()), target.QueryRuns(new RunQuery()), r => r.Id);
        foreach (var run in from.QueryRuns(new RunQuery()))
            AssertSame(from.FindDetails(run.Id), target.FindDetails(run.Id));
        AssertSame(from.ListStages(), target.ListStages(), s => s.Key);
        AssertSame(from.ListExperiments(), target.ListExperiments(), e => e.Name);
        AssertSame(from.ListModels(), target.ListModels(), m => m.Name);
        AssertSame(from.ListVersions(MigrationSource.Model), target.ListVersions(MigrationSource.Model));
        AssertSame(from.History(MigrationSource.Model), target.History(MigrationSource.Model));
        AssertSame(from.GateRuns(MigrationSource.Model), target.GateRuns(MigrationSource.Model));
        AssertSame(from.ListDeployments(), target.ListDeployments(), d => d.Id);
        foreach (var model in new[] { MigrationSource.Model, MigrationSource.Legacy })
        {
            AssertSame(Sorted(from.ReadPredictions(model)), Sorted(target.ReadPredictions(model)));
            AssertSame(from.ListChecks(model), target.ListChecks(model));
            AssertSame(from.ListDecisions(model), target.ListDecisions(model));
        }
        AssertSame(from.FindProfile(MigrationSource.Model, 2), target.FindProfile(MigrationSource.Model, 2));
        AssertSame(from.ReadRecords(), target.ReadRecords()); // append order kept
        Assert.Equal(from.Artifacts.ListHashes().Order(), target.Artifacts.ListHashes().Order());

        // The copied model loads (its artifacts verified by hash) and serves from the target.
        var production = target.ListVersions(MigrationSource.Model).Single(v => v.Stage == MlOps.Registry.ModelStage.Production);
        using var scorer = ModelScorer.Load(production, target.Artifacts);
        Assert.Equal(2, scorer.Version.Version);
    }

    [Fact]
    public void A_tampered_artifact_in_the_source_fails_verification_naming_it()
    {
        var copy = source.CopyTo(Path.Combine(Scratch, "tampered"));
        var artifacts = Path.Combine(copy, "artifacts");
        var victim = Directory.EnumerateFiles(artifacts, "*", SearchOption.AllDirectories).Select(Path.GetFileName).OfType<string>().Order().First();
        File.WriteAllText(Path.Combine(artifacts, victim[..2], victim), "not the model any more");

        var result = StoreMigration.Run(copy, NewTarget());

        Assert.False(result.Verified);
        Assert.Equal([victim], result.Artifacts.Corrupt);
        Assert.Equal([victim], result.Artifacts.Missing); // never copied
        Assert.All(result.Kinds, k => Assert.True(k.Match, k.Kind));
        Assert.StartsWith("artifacts (", result.Mismatch);
        Assert.Contains(victim, result.Mismatch);
    }

    [Fact]
    public void Verification_names_each_kind_whose_records_differ()
    {
        var to = NewTarget();
        Assert.True(StoreMigration.Run(source.Folder, to).Verified);
        using var from = Stores.OpenAt(source.Folder);
        using var target = Stores.OpenAt(to);
        var run = target.QueryRuns(new RunQuery()).First();
        target.SaveRun(run with { Metrics = new Dictionary<string, double>(run.Metrics) { ["auc"] = 0.5 } });
        var prediction = target.ReadPredictions(MigrationSource.Model).First();
        target.AppendPredictions([prediction with { Label = "changed" }]);

        var result = StoreMigration.Verify(from, target);

        Assert.Equal([StoreDigest.Runs, StoreDigest.Predictions], result.Kinds.Where(k => !k.Match).Select(k => k.Kind));
        Assert.Contains("runs (same count 2, different content)", result.Mismatch);
        Assert.Contains($"predictions (source {MigrationSource.Predictions}, target {MigrationSource.Predictions + 1})", result.Mismatch);
        Assert.True(result.Artifacts.Match);
    }

    [Fact]
    public void A_target_that_holds_anything_is_refused_naming_what_it_holds_and_nothing_is_written()
    {
        var to = NewTarget();
        using (var target = Stores.OpenAt(to))
        {
            target.SaveRun(new Run { Id = "already-here", Experiment = "x" });
            target.Artifacts.Put(s => s.Write("bytes"u8), "note");
        }

        var e = Assert.Throws<MlOpsException>(() => StoreMigration.Run(source.Folder, to));

        Assert.Contains("is not empty: it holds runs: 1, artifacts: 1", e.Message);
        using var reopened = Stores.OpenAt(to);
        Assert.Empty(reopened.ListModels());
        Assert.Single(reopened.QueryRuns(new RunQuery()));
    }

    [Fact]
    public void The_same_store_twice_or_a_missing_source_is_refused()
    {
        using (var store = Stores.OpenAt(source.Folder))
            Assert.Contains("are the same store", Assert.Throws<MlOpsException>(() => StoreMigration.Run(store, store)).Message);
        var missing = Path.Combine(Scratch, "nothing-here");
        Assert.Contains("There is no store at", Assert.Throws<MlOpsException>(() => StoreMigration.Run(missing, NewTarget())).Message);
        Assert.False(Directory.Exists(missing));
    }

    private static IEnumerable<LoggedPrediction> Sorted(IEnumerable<LoggedPrediction> predictions) =>
        predictions.OrderBy(p => p.Timestamp).ThenBy(StoreDigest.Canonical, StringComparer.Ordinal);

    private static void AssertSame<T>(IEnumerable<T> expected, IEnumerable<T> actual, Func<T, string> key) =>
        AssertSame(expected.OrderBy(key, StringComparer.Ordinal).ToList(), actual.OrderBy(key, StringComparer.Ordinal).ToList());

    /// <summary>Field by field (JSON objects compare by name, so a backend may keep dictionary keys in another order).</summary>
    private static void AssertSame<T>(T expected, T actual)
    {
        Assert.NotNull(actual);
        var (e, a) = (JsonSerializer.SerializeToNode(expected, Json), JsonSerializer.SerializeToNode(actual, Json));
        Assert.True(JsonNode.DeepEquals(e, a), $"expected\n{e}\nactual\n{a}");
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests want the reports in order, at once.</summary>
    private sealed class SynchronousProgress(Action<MigrationProgress> report) : IProgress<MigrationProgress>
    {
        public void Report(MigrationProgress value) => report(value);
    }
}

[Collection(MigrationSourceCollection.Name)]
public sealed class LiteDbToLiteDbMigrationTests(MigrationSource source) : StoreMigrationTests(source)
{
    protected override string NewTarget() => Path.Combine(Scratch, "target-" + Guid.NewGuid().ToString("N")[..8]);
}

/// <summary>Into a fresh PostgreSQL database (needs the PostgreSQL backend's partial stores).</summary>
[Collection(MigrationSourceCollection.Name)]
public sealed class LiteDbToPostgresMigrationTests(MigrationSource source) : StoreMigrationTests(source)
{
    private readonly List<PostgresDatabase> _databases = [];

    protected override string NewTarget()
    {
        var database = new PostgresDatabase();
        _databases.Add(database);
        return database.Url + "?artifacts=" + Uri.EscapeDataString(Path.Combine(Scratch, database.Name + "-artifacts"));
    }

    public override void Dispose()
    {
        foreach (var database in _databases) database.Dispose();
        base.Dispose();
    }
}
