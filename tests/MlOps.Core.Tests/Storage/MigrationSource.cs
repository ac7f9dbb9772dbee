using MlOps.Catalog;
using MlOps.Core.Tests.Data;
using MlOps.Monitoring;
using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Storage;
using MlOps.Storage.LiteDb;

namespace MlOps.Tests.Storage;

/// <summary>
/// A LiteDB store holding every record kind a migration copies: two real cwurData runs (details, stage cache, artifacts),
/// model "rankings" with two versions promoted in turn (history, gate runs, aliases), deployments, 2,500 logged predictions
/// (ties in time, mixed input types, a model known only from a deployment), profiles, checks, decisions and catalog records.
/// Built once; tests open it read-only or copy its folder.
/// </summary>
public sealed class MigrationSource : IDisposable
{
    public const string Model = "rankings";
    public const string Legacy = "legacy";
    public const int Predictions = 2_500;

    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.FromHours(1));

    public MigrationSource()
    {
        using var store = LiteDbRunStore.Open(Folder);
        Fill(store);
    }

    public string Folder { get; } = Path.Combine(Directory.CreateTempSubdirectory("mlops-migrate-source-").FullName, ".mlops");

    /// <summary>A copy of the source's folder, for a test that changes it.</summary>
    public string CopyTo(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("mlops.lock", StringComparison.Ordinal)))
        {
            var copy = Path.Combine(directory, Path.GetRelativePath(Folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        return directory;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path.GetDirectoryName(Folder)!, recursive: true); } catch (IOException) { }
    }

    private static void Fill(IMlOpsStore store)
    {
        var p = ParamSet.Load(Path.Combine(RepoPaths.Root, "params.yaml")).With("data.path", RepoPaths.Rankings("cwurData.csv"));
        var outcome = new Experiments(store).Run(new ExperimentRequest { Name = "migrate", Params = p, Sets = ["train.n_est=20,30"] });
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Runs.Select(r => r.Run.Error)));

        var registry = ModelRegistry.Over(store, new RegistryEventHub());
        // Weaker first, so v2 passes the no-regression gate when it replaces v1.
        foreach (var run in outcome.Runs.OrderBy(r => r.Run.Metrics["auc"]))
            registry.Register(run.Run.Id, Model, $"n_est {run.Run.Params["train.n_est"]}");
        foreach (var (version, reason) in new[] { (1, "first"), (2, "better") })
        {
            var promotion = registry.Promote(Model, version, ModelStage.Production, reason);
            Assert.True(promotion.Promoted, string.Join("; ", promotion.Gates.Where(g => !g.Passed).Select(g => $"{g.Name}: {g.Detail}")));
        }
        registry.SetAlias(Model, "champion", 2);
        registry.SetAlias(Model, "previous", 1);
        store.AddGateRun(new GateRun
        {
            Model = Model, Version = 1, Target = ModelStage.Staging, At = T0, By = "ci", Purpose = "gate", Results = [new GateResult("auc >= 0.99", false, "auc = 0.97")],
        });

        store.SaveDeployment(new Deployment
        {
            Id = "dep-stopped", Model = Model, Version = 1, Url = "http://127.0.0.1:5001", Source = "cli", Machine = "build-01", ProcessId = 4242,
            StartedAt = T0, StoppedAt = T0.AddHours(2), Selector = "Production",
        });
        store.SaveDeployment(new Deployment
        {
            Id = "dep-running", Model = Model, Version = 2, Url = "http://10.0.0.5:5000", Source = "notebook", Machine = "elsewhere", ProcessId = 7,
            StartedAt = T0.AddHours(3), Selector = "@champion", ShadowVersion = 1,
        });
        store.SaveDeployment(new Deployment { Id = "dep-legacy", Model = Legacy, Version = 3, Url = "http://old:80", Source = "package", StartedAt = T0.AddDays(-30) });

        // Three predictions per instant: stores may order ties differently, the migration must still match.
        for (var batch = 0; batch < 5; batch++)
            store.AppendPredictions(Enumerable.Range(batch * 500, 500).Select(i => new LoggedPrediction(
                i % 10 == 9 ? Legacy : Model, 1 + i % 2, T0.UtcDateTime.AddSeconds(i / 3), i % 4 == 0 ? "shadow" : "serve",
                new Dictionary<string, object?> { ["national_rank"] = (double)i, ["country"] = i % 7 == 0 ? null : "USA", ["flag"] = i % 2 == 0, ["ünï $.key"] = "x" },
                i % 3 == 0 ? "top" : "rest", i % 5 == 0 ? null : i / 2500.0, i % 5 == 0 ? null : 1 - i / 2500.0)).ToList());

        foreach (var version in new[] { 1, 2 })
            store.SaveProfile(new ReferenceProfile
            {
                Model = Model, Version = version, Task = "binary", Rows = 300 * version, CreatedAt = T0, DataColumns = ["national_rank", "country"],
                Numeric = [NumericProfile.From("national_rank", [1.0, 2, 3, double.NaN], 1)],
                Categorical = [CategoryProfile.From("country", (new Dictionary<string, long> { ["USA"] = 2, ["UK"] = 1 }, 0))],
                Predictions = NumericProfile.From("prediction", [0.1, 0.9, 0.5], 0),
            });
        foreach (var (window, hours) in new[] { ("2015", 1), ("2016", 2) })
            store.SaveCheck(new MonitoringReport
            {
                Model = Model, Version = 2, WindowId = window, At = T0.AddHours(hours), Rows = 100, Labelled = true, Notes = ["from the log"],
                Checks = [new CheckResult(CheckNames.Psi, "national_rank", 0.3, 0.2, false, "psi"), new CheckResult("performance.auc", null, double.NaN, 0.9, false, "undefined")],
            });
        var decision = new DecisionRecord
        {
            Id = "decision-1", Model = Model, Version = 2, WindowId = "2016", At = T0.AddHours(3), By = "monitor",
            Decision = new Decision(Decision.Retrain, "drift", ["psi national_rank 0.3"], "Retrain", true),
        };
        store.SaveDecision(decision);
        store.SaveDecision(decision with { Id = "decision-2", At = T0.AddHours(4), By = "alice", Note = "approved", Applied = true, NewVersion = 3, Supersedes = "decision-1" });

        store.AppendRecord(new CatalogRecord
        {
            Id = "catalog-1", Kind = CatalogKinds.Described, Model = Model, Project = "migrate", At = T0, By = "alice", Summary = "owner alice",
            Facts = new Dictionary<string, string> { ["owner"] = "alice", ["odd $.key"] = "ü" }, Evidence = ["README.md"],
        });
        store.AppendRecord(new CatalogRecord { Id = "catalog-0", Kind = CatalogKinds.Correction, Model = Model, At = T0.AddMinutes(-5), Summary = "owner bob", Corrects = "catalog-1" });
        store.AppendRecord(new CatalogRecord { Id = "catalog-2", Kind = CatalogKinds.Deployed, Model = Legacy, Version = 3, At = T0.AddDays(-30), Summary = "served" });
    }
}

[CollectionDefinition(Name)]
public sealed class MigrationSourceCollection : ICollectionFixture<MigrationSource>
{
    public const string Name = "migration source";
}
