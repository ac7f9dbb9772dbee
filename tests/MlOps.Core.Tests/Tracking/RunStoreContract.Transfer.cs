using MlOps.Registry;
using MlOps.Storage;
using MlOps.Tracking;

namespace MlOps.Tests.Tracking;

/// <summary>What every backend must do for `mlops store migrate` (<see cref="IStoreTransfer"/>): list the stage cache, import a model exactly.</summary>
public abstract partial class RunStoreContract
{
    protected IStoreTransfer Transfer => (IStoreTransfer)Store;

    /// <summary>churn: three versions (v2 Production with an alias, v1 Archived, v3 Staging), four transitions and three gate runs.</summary>
    private (IReadOnlyList<ModelVersion> Versions, IReadOnlyList<Transition> History, IReadOnlyList<GateRun> GateRuns) BuildModel()
    {
        for (var i = 1; i <= 3; i++)
            Models.AddVersion(Draft("churn", Id(i), auc: 0.8 + i / 100.0) with { CreatedAt = new DateTimeOffset(2025, 5, i, 0, 0, 0, TimeSpan.FromHours(i)) });
        Assert.True(Change("churn", 1, ModelStage.None, ModelStage.Production, null));
        Assert.True(Change("churn", 2, ModelStage.None, ModelStage.Production, 1));
        Assert.True(Change("churn", 3, ModelStage.None, ModelStage.Staging, 2));
        Models.SetAlias("churn", "champion", 2);
        Models.SetAlias("churn", "challenger", 3);
        foreach (var (version, passed) in new[] { (3, false), (2, true), (3, true) })
            Models.AddGateRun(new GateRun
            {
                Model = "churn", Version = version, Target = ModelStage.Production, At = new DateTimeOffset(2025, 7, 1, 0, 0, version, TimeSpan.Zero),
                By = "ci", Purpose = "gate", Results = [new GateResult("auc >= 0.82", passed, passed ? "ok" : "auc = 0.81")],
            });
        return (Models.ListVersions("churn"), Models.History("churn"), Models.GateRuns("churn"));
    }

    private static (IReadOnlyList<ModelVersion>, IReadOnlyList<Transition>, IReadOnlyList<GateRun>) Renamed(
        (IReadOnlyList<ModelVersion> Versions, IReadOnlyList<Transition> History, IReadOnlyList<GateRun> GateRuns) model, string name) =>
        (model.Versions.Select(v => v with { Model = name }).ToList(), model.History.Select(t => t with { Model = name }).ToList(),
            model.GateRuns.Select(g => g with { Model = name }).ToList());

    [Fact]
    public void ListStages_lists_every_stage_cache_entry()
    {
        var run = FullRun(Id(1));
        var stages = Enumerable.Range(0, 5).Select(i => new StageCacheEntry
        {
            Key = $"key-{i}", Stage = i % 2 == 0 ? "featurize" : "train", RunId = run.Id, CreatedAt = new DateTimeOffset(2025, 1, 1, 0, 0, i, TimeSpan.FromHours(1)),
            Output = i == 0 ? null : new ArtifactRef(new string((char)('a' + i), 64), i * 100, "stage"), Facts = new Dictionary<string, string> { ["rows"] = i.ToString() },
        }).ToList();
        Store.SaveStage(stages[0]);
        Store.SaveBatch(run, null, stages.Skip(1).ToList());

        var listed = ((IStoreTransfer)OpenAgain()).ListStages().OrderBy(s => s.Key, StringComparer.Ordinal).ToList();

        Assert.Equal(stages.Count, listed.Count);
        foreach (var (expected, actual) in stages.Zip(listed))
            AssertSame(expected, actual);
        Assert.Empty(((IStoreTransfer)OpenAgain()).ListStages().Where(s => s.Stage == "load"));
    }

    [Fact]
    public void ImportModel_copies_versions_stages_aliases_history_and_gate_runs_exactly()
    {
        var source = BuildModel();
        var (versions, history, gateRuns) = Renamed(source, "copy");

        Transfer.ImportModel("copy", versions, history, gateRuns);

        var again = (IModelRegistryStore)OpenAgain();
        AssertSame(versions, again.ListVersions("copy"));
        AssertSame(history, again.History("copy"));
        AssertSame(gateRuns, again.GateRuns("copy"));
        AssertSame(gateRuns.Where(g => g.Version == 3).ToList(), again.GateRuns("copy", 3));
        var summaries = again.ListModels();
        AssertSame(summaries.Single(m => m.Name == "churn") with { Name = "copy" }, summaries.Single(m => m.Name == "copy"));
    }

    [Fact]
    public void After_an_import_the_registry_numbers_on_from_the_imported_counters()
    {
        var (versions, history, gateRuns) = Renamed(BuildModel(), "copy");
        Transfer.ImportModel("copy", versions, history, gateRuns);

        Assert.Equal(4, Models.AddVersion(Draft("copy", Id(9))).Version);
        Assert.True(Change("copy", 4, ModelStage.None, ModelStage.Production, 2));
        Models.AddGateRun(new GateRun { Model = "copy", Version = 4, Target = ModelStage.Production, At = DateTimeOffset.UnixEpoch, Purpose = "gate" });

        Assert.Equal([5L, 6L], Models.History("copy").Skip(history.Count).Select(t => t.Sequence));
        Assert.Equal([3, 2, 3, 4], Models.GateRuns("copy").Select(g => g.Version));
        Assert.Equal(4, Models.ListModels().Single(m => m.Name == "copy").ProductionVersion);
    }

    [Fact]
    public void ImportModel_refuses_a_model_the_store_already_has_and_writes_nothing()
    {
        var source = BuildModel();
        Models.AddVersion(Draft("taken", Id(1)));
        var (versions, history, gateRuns) = Renamed(source, "taken");

        var e = Assert.Throws<MlOpsException>(() => Transfer.ImportModel("taken", versions, history, gateRuns));

        Assert.Contains("Model 'taken' already exists", e.Message);
        Assert.Single(Models.ListVersions("taken"));
        Assert.Empty(Models.History("taken"));
        Assert.Empty(Models.GateRuns("taken"));
    }

    [Fact]
    public void ImportModel_refuses_records_that_do_not_fit_the_model_and_writes_nothing()
    {
        var (versions, history, gateRuns) = BuildModel();

        Assert.Contains("belongs to model 'churn'", Assert.Throws<MlOpsException>(() => Transfer.ImportModel("copy", versions, [], [])).Message);
        var twice = versions.Select(v => v with { Model = "copy", Version = 1 }).ToList();
        Assert.Contains("version number 1 is given twice", Assert.Throws<MlOpsException>(() => Transfer.ImportModel("copy", twice, [], [])).Message);
        var productions = versions.Select(v => v with { Model = "copy", Stage = ModelStage.Production, Aliases = [] }).ToList();
        Assert.Contains("more than one version is in Production", Assert.Throws<MlOpsException>(() => Transfer.ImportModel("copy", productions, [], [])).Message);
        Assert.Throws<MlOpsException>(() => Transfer.ImportModel("../evil", [], [], []));

        Assert.DoesNotContain(Models.ListModels(), m => m.Name != "churn");
        Assert.Empty(Models.ListVersions("copy"));
    }

    [Fact]
    public void A_model_with_gate_runs_only_is_imported_as_the_registry_holds_it()
    {
        Models.AddGateRun(new GateRun { Model = "early", Version = 1, Target = ModelStage.Staging, At = DateTimeOffset.UnixEpoch, Purpose = "gate" });
        var gateRuns = Models.GateRuns("early").Select(g => g with { Model = "early-copy" }).ToList();

        Transfer.ImportModel("early-copy", [], [], gateRuns);

        var summaries = Models.ListModels();
        AssertSame(summaries.Single(m => m.Name == "early") with { Name = "early-copy" }, summaries.Single(m => m.Name == "early-copy"));
        AssertSame(gateRuns, Models.GateRuns("early-copy"));
    }
}
