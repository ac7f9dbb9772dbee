using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Tests.Tracking;

/// <summary>What every backend must do as a model registry store (the same store file holds runs and models).</summary>
public abstract partial class RunStoreContract
{
    protected IModelRegistryStore Models => (IModelRegistryStore)Store;

    protected static ModelVersion Draft(string model, string runId, double auc = 0.9) => new()
    {
        Model = model,
        RunId = runId,
        Experiment = "exp",
        Task = "binary",
        Trainer = "FastForest",
        Artifact = new ArtifactRef(new string('d', 64), 1234, "model"),
        Featurizer = new ArtifactRef(new string('e', 64), 42, "featurizer"),
        FeaturizerCodeHash = "code",
        Signature = [new SchemaColumn("age", "number"), new SchemaColumn("country", "category")],
        Metrics = new Dictionary<string, double> { ["auc"] = auc, ["f1.macro"] = 0.5, ["r²"] = -1 },
        Params = new Dictionary<string, string> { ["train.n_est"] = "100", ["odd $.key"] = "ü" },
        Data = new DataFingerprint(new string('a', 64), 2200, [new SchemaColumn("age", "number")]),
        Description = "first try",
        CreatedAt = new DateTimeOffset(2025, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)),
        CreatedBy = "alice",
    };

    private static Transition Move(string model, int version, ModelStage from, ModelStage to, string reason = "because") => new()
    {
        Model = model, Version = version, From = from, To = to, At = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero), By = "bob", Reason = reason,
        Gates = [new GateResult("auc >= 0.8", true, "auc = 0.9")],
    };

    private bool Change(string model, int version, ModelStage from, ModelStage to, int? production, ModelStage displacedTo = ModelStage.Archived) =>
        Models.TryChangeStage(new StageChange { Transition = Move(model, version, from, to), ExpectedFrom = from, ExpectedProduction = production, DisplacedTo = displacedTo });

    [Fact]
    public void AddVersion_numbers_versions_per_model_and_round_trips_every_field()
    {
        var first = Models.AddVersion(Draft("churn", Id(1)) with { Version = 99, Stage = ModelStage.Production });
        var second = Models.AddVersion(Draft("churn", Id(2)));
        var other = Models.AddVersion(Draft("other", Id(1)));

        Assert.Equal((1, 2, 1), (first.Version, second.Version, other.Version));
        Assert.Equal(ModelStage.None, first.Stage); // a new version always starts in None
        var found = OpenAgain() is IModelRegistryStore again ? again.FindVersion("churn", 1) : null;
        Assert.NotNull(found);
        AssertSame(first, found);
        Assert.Equal([1, 2], Models.ListVersions("churn").Select(v => v.Version));
        Assert.Empty(Models.ListVersions("nope"));
        Assert.Null(Models.FindVersion("churn", 3));
    }

    [Fact]
    public void AddVersion_refuses_the_same_run_twice_under_one_model_naming_the_existing_version()
    {
        Models.AddVersion(Draft("churn", Id(1)));
        Models.AddVersion(Draft("churn", Id(2)));

        var e = Assert.Throws<MlOpsException>(() => Models.AddVersion(Draft("churn", Id(2))));

        Assert.Contains("already registered as version 2 of 'churn'", e.Message);
        Assert.Equal(2, Models.ListVersions("churn").Count);
        Assert.Equal(1, Models.AddVersion(Draft("elsewhere", Id(2))).Version);
    }

    [Fact]
    public void Names_with_path_or_control_characters_are_rejected_before_anything_is_stored()
    {
        foreach (var bad in new[] { "../evil", "a/b", "a\\b", "bell\u0007", "new\nline", ".hidden", "", "with space" })
            Assert.Throws<MlOpsException>(() => Models.AddVersion(Draft(bad, Id(1))));
        Assert.Empty(Models.ListModels());
    }

    [Fact]
    public void Promoting_to_Production_displaces_the_previous_one_and_records_both_in_order()
    {
        Models.AddVersion(Draft("churn", Id(1)));
        Models.AddVersion(Draft("churn", Id(2)));

        Assert.True(Change("churn", 1, ModelStage.None, ModelStage.Production, null));
        Assert.True(Change("churn", 2, ModelStage.None, ModelStage.Production, 1));

        var again = (IModelRegistryStore)OpenAgain();
        Assert.Equal([ModelStage.Archived, ModelStage.Production], again.ListVersions("churn").Select(v => v.Stage));
        var history = again.History("churn");
        Assert.Equal([(1, ModelStage.None, ModelStage.Production), (2, ModelStage.None, ModelStage.Production), (1, ModelStage.Production, ModelStage.Archived)],
            history.Select(t => (t.Version, t.From, t.To)));
        Assert.Equal([1L, 2L, 3L], history.Select(t => t.Sequence));
        Assert.Equal("bob", history[1].By);
        Assert.Equal(new GateResult("auc >= 0.8", true, "auc = 0.9"), Assert.Single(history[1].Gates));
        Assert.Contains("replaced in Production by v2", history[2].Reason);
        Assert.Equal(2, Assert.Single(again.ListModels()).ProductionVersion);
    }

    [Fact]
    public void Keeping_the_previous_Production_version_moves_it_to_Staging()
    {
        Models.AddVersion(Draft("churn", Id(1)));
        Models.AddVersion(Draft("churn", Id(2)));
        Change("churn", 1, ModelStage.None, ModelStage.Production, null);

        Assert.True(Change("churn", 2, ModelStage.None, ModelStage.Production, 1, ModelStage.Staging));

        Assert.Equal([ModelStage.Staging, ModelStage.Production], Models.ListVersions("churn").Select(v => v.Stage));
    }

    [Fact]
    public void A_stage_change_whose_expectations_no_longer_hold_changes_nothing()
    {
        Models.AddVersion(Draft("churn", Id(1)));
        Models.AddVersion(Draft("churn", Id(2)));
        Change("churn", 1, ModelStage.None, ModelStage.Production, null);

        Assert.False(Change("churn", 2, ModelStage.None, ModelStage.Production, production: null)); // v1 is Production now
        Assert.False(Change("churn", 2, ModelStage.Staging, ModelStage.Production, production: 1)); // v2 is not in Staging

        Assert.Equal([ModelStage.Production, ModelStage.None], Models.ListVersions("churn").Select(v => v.Stage));
        Assert.Single(Models.History("churn"));
    }

    [Fact]
    public void Eight_threads_promoting_different_versions_leave_exactly_one_Production_version()
    {
        for (var i = 1; i <= 8; i++) Models.AddVersion(Draft("churn", Id(i)));

        Parallel.For(1, 9, new ParallelOptions { MaxDegreeOfParallelism = 8 }, v =>
        {
            var store = (IModelRegistryStore)OpenAgain();
            // Retry like the engine does: re-read the Production version after losing a race.
            while (!store.TryChangeStage(new StageChange
                   {
                       Transition = Move("churn", v, ModelStage.None, ModelStage.Production), ExpectedFrom = ModelStage.None,
                       ExpectedProduction = store.ListVersions("churn").FirstOrDefault(x => x.Stage == ModelStage.Production)?.Version,
                   }))
            { }
        });

        var versions = Models.ListVersions("churn");
        Assert.Single(versions, v => v.Stage == ModelStage.Production);
        Assert.Equal(7, versions.Count(v => v.Stage == ModelStage.Archived));
        var history = Models.History("churn");
        Assert.Equal(8 + 7, history.Count);
        Assert.Equal(Enumerable.Range(1, 15).Select(i => (long)i), history.Select(t => t.Sequence));
        Assert.Equal(versions.Single(v => v.Stage == ModelStage.Production).Version, history.Last(t => t.To == ModelStage.Production).Version);
    }

    [Fact]
    public void Gate_runs_are_kept_per_version_in_order()
    {
        Models.AddVersion(Draft("churn", Id(1)));
        Models.AddVersion(Draft("churn", Id(2)));
        GateRun Run(int version, bool passed) => new()
        {
            Model = "churn", Version = version, Target = ModelStage.Production, At = DateTimeOffset.UnixEpoch, By = "ci", Purpose = "gate",
            Results = [new GateResult("smoke", passed, passed ? "ok" : "NaN predictions")],
        };
        Models.AddGateRun(Run(1, false));
        Models.AddGateRun(Run(2, true));
        Models.AddGateRun(Run(1, true));

        var runs = ((IModelRegistryStore)OpenAgain()).GateRuns("churn", 1);
        Assert.Equal([false, true], runs.Select(r => r.Passed));
        Assert.Equal("NaN predictions", runs[0].Results[0].Detail);
        Assert.Equal(3, Models.GateRuns("churn").Count);
    }

    [Fact]
    public void An_alias_points_at_one_version_of_a_model_at_a_time()
    {
        Models.AddVersion(Draft("churn", Id(1)));
        Models.AddVersion(Draft("churn", Id(2)));

        Models.SetAlias("churn", "champion", 1);
        Models.SetAlias("churn", "challenger", 2);
        Models.SetAlias("churn", "champion", 2);

        var versions = Models.ListVersions("churn");
        Assert.Empty(versions[0].Aliases);
        Assert.Equal(["challenger", "champion"], versions[1].Aliases.Order());
        Models.SetAlias("churn", "champion", null);
        Assert.Equal(["challenger"], Models.FindVersion("churn", 2)!.Aliases);
        Assert.Throws<MlOpsException>(() => Models.SetAlias("churn", "x", 7));
    }

    [Fact]
    public void Runs_and_models_live_in_the_same_store()
    {
        Store.SaveRun(NewRun(Id(1)));
        Models.AddVersion(Draft("churn", Id(1)));

        var again = OpenAgain();
        Assert.NotNull(again.FindRun(Id(1)));
        Assert.Equal("churn", Assert.Single(((IModelRegistryStore)again).ListModels()).Name);
    }
}
