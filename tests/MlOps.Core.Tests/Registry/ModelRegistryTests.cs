using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Tests.Registry;

/// <summary>The registry engine on real ML.NET models from real runs: register, gates, promote, rollback, history, events.</summary>
public sealed class ModelRegistryTests(RankingsRuns runs) : IClassFixture<RankingsRuns>, IDisposable
{
    private readonly RegistryEventHub _events = new();
    private readonly List<RegistryEvent> _heard = [];
    private IDisposable? _subscription;

    // Each test registers under its own model name, so tests sharing the trained runs never see each other's versions.
    private static string Model(string test) => "m-" + test;

    private ModelRegistry Registry(string? gates = null)
    {
        _subscription ??= _events.Subscribe(e => { lock (_heard) _heard.Add(e); });
        return new ModelRegistry(runs.Store, runs.Store, _events, gates is null ? null : GateFile.Parse(gates), actor: () => "tester");
    }

    public void Dispose() => _subscription?.Dispose();

    [Fact]
    public void Register_carries_the_runs_artifact_signature_metrics_params_and_data_fingerprint()
    {
        var registry = Registry();

        var v = registry.Register(runs.Strong.Id[..8], Model("carry"), "fifty trees");

        Assert.Equal(1, v.Version);
        Assert.Equal(ModelStage.None, v.Stage);
        Assert.Equal(runs.Strong.Id, v.RunId);
        Assert.Equal(runs.Strong.Model, v.Artifact);
        Assert.Equal(runs.Strong.Featurizer, v.Featurizer);
        Assert.Equal(runs.Strong.Signature, v.Signature);
        Assert.Equal(runs.Strong.Metrics["auc"], v.Metrics["auc"]);
        Assert.Equal("50", v.Params["train.n_est"]);
        Assert.Equal(runs.Strong.Data!.Sha256, v.Data!.Sha256);
        Assert.Equal(("fifty trees", "tester"), (v.Description, v.CreatedBy));
        var registered = Assert.IsType<ModelVersionRegistered>(Assert.Single(_heard));
        Assert.Equal(1, registered.Version);
        Assert.Contains(registry.TrainedOn(v.Data.Sha256[..8]), x => x.Model == Model("carry"));
        Assert.Equal(runs.Strong.Id, registry.RunOf(Model("carry"), 1).Id);
    }

    [Fact]
    public void Registering_the_same_run_twice_names_the_existing_version()
    {
        var registry = Registry();
        registry.Register(runs.Weak.Id, Model("twice"));
        registry.Register(runs.Strong.Id, Model("twice"));

        var e = Assert.Throws<MlOpsException>(() => registry.Register(runs.Strong.Id, Model("twice")));

        Assert.Contains("already registered as version 2", e.Message);
    }

    [Fact]
    public void Reuse_answers_the_version_a_run_already_is_without_writing_or_publishing()
    {
        var registry = Registry();
        var first = registry.Register(runs.Strong.Id, Model("reuse"));
        _heard.Clear();

        var again = registry.Register(runs.Strong.Id, Model("reuse"), "ignored", reuse: true, out var reused);
        var other = registry.Register(runs.Weak.Id, Model("reuse"), null, reuse: true, out var otherReused);

        Assert.True(reused);
        Assert.Equal((first.Version, first.RunId, first.CreatedAt), (again.Version, again.RunId, again.CreatedAt));
        Assert.False(otherReused); // a run not yet registered still becomes the next version
        Assert.Equal(2, other.Version);
        Assert.Equal([2], _heard.OfType<ModelVersionRegistered>().Select(e => e.Version));
        Assert.Equal(2, registry.Versions(Model("reuse")).Count);
    }

    [Fact]
    public void If_needed_leaves_a_version_already_in_the_stage_unchanged_without_gates_or_history()
    {
        var registry = Registry();
        var v = registry.Register(runs.Strong.Id, Model("if-needed"));
        Assert.True(registry.Promote(v.Model, v.Version, ModelStage.Production, "release").Promoted);
        var (history, gateRuns) = (registry.History(v.Model).Count, runs.Store.GateRuns(v.Model).Count);

        var again = registry.Promote(v.Model, v.Version, ModelStage.Production, "re-run", new PromotionOptions { IfNeeded = true });

        Assert.Equal((false, true, ModelStage.Production), (again.Promoted, again.Unchanged, again.Version.Stage));
        Assert.Empty(again.Gates);
        Assert.Equal((history, gateRuns), (registry.History(v.Model).Count, runs.Store.GateRuns(v.Model).Count));
        Assert.Contains("is already in Production", Assert.Throws<MlOpsException>(() => registry.Promote(v.Model, v.Version, ModelStage.Production, "re-run")).Message);
    }

    [Fact]
    public void Unknown_and_failed_runs_are_refused()
    {
        var registry = Registry();
        Assert.Contains("No run 'ffffeeee'", Assert.Throws<MlOpsException>(() => registry.Register("ffffeeee", Model("refused"))).Message);
        var failed = new Run { Id = Guid.NewGuid().ToString("N"), Experiment = "broken", Status = RunStatus.Failed, Error = "label has one value" };
        runs.Store.SaveRun(failed);
        var e = Assert.Throws<MlOpsException>(() => registry.Register(failed.Id, Model("refused")));
        Assert.Contains("only finished runs can be registered", e.Message);
        Assert.Contains("label has one value", e.Message);
        Assert.Contains("No model", Assert.Throws<MlOpsException>(() => registry.Versions(Model("refused"))).Message);
    }

    [Fact]
    public void RegisterBest_picks_the_best_finished_run_of_the_experiment_by_the_metric()
    {
        var v = Registry().RegisterBest("rankings", "auc", Model("best"));
        Assert.Equal(runs.Strong.Id, v.RunId);
        Assert.Contains("'nope'", Assert.Throws<MlOpsException>(() => Registry().RegisterBest("rankings", "nope", Model("best"))).Message);
        Assert.Contains("no finished run", Assert.Throws<MlOpsException>(() => Registry().RegisterBest("ghost", "auc", Model("best"))).Message);
    }

    [Fact]
    public void Promotion_to_Production_runs_every_gate_and_archives_the_previous_version()
    {
        var model = Model("promote");
        var registry = Registry($"models: {{ {model}: {{ gates: [\"auc >= 0.5\"], no_regression: {{ tolerance: 1 }} }} }}");
        registry.Register(runs.Weak.Id, model);
        registry.Register(runs.Strong.Id, model);

        var first = registry.Promote(model, 1, ModelStage.Production, "first release");
        var second = registry.Promote(model, 2, ModelStage.Production, "better model");

        Assert.True(first.Promoted, string.Join("; ", first.Gates));
        Assert.True(second.Promoted, string.Join("; ", second.Gates));
        Assert.Equal(["auc >= 0.5", "smoke", "schema", "no-regression"], second.Gates.Select(g => g.Name));
        Assert.Contains("SHA-256 verified", second.Gates[1].Detail);
        Assert.Contains("re-scored now", second.Gates[3].Detail);
        Assert.Equal(1, second.Displaced);
        Assert.Equal([ModelStage.Archived, ModelStage.Production], registry.Versions(model).Select(v => v.Stage));
        var history = registry.History(model);
        Assert.Equal([(1, ModelStage.Production), (2, ModelStage.Production), (1, ModelStage.Archived)], history.Select(t => (t.Version, t.To)));
        Assert.Equal(("tester", "better model", 4), (history[1].By, history[1].Reason, history[1].Gates.Count));
        Assert.Equal(2, _heard.OfType<ModelVersionPromoted>().Count());
        Assert.Equal(1, _heard.OfType<ModelVersionPromoted>().Last().Displaced);
        Assert.Equal(2, registry.GateRuns(model).Count);
    }

    [Fact]
    public void A_failing_threshold_refuses_the_promotion_and_the_attempt_is_recorded()
    {
        var model = Model("threshold");
        var registry = Registry();
        registry.Register(runs.Weak.Id, model);

        var result = registry.Promote(model, 1, ModelStage.Staging, "try", new PromotionOptions { ExtraGates = ["auc >= 1.01"] });

        Assert.False(result.Promoted);
        Assert.Equal(ModelStage.None, result.Version.Stage);
        var gate = result.Gates.Single(g => g.Name == "auc >= 1.01");
        Assert.False(gate.Passed);
        Assert.StartsWith("auc = ", gate.Detail);
        Assert.Empty(registry.History(model));
        Assert.False(Assert.Single(registry.GateRuns(model, 1)).Passed);
        Assert.Empty(_heard.OfType<ModelVersionPromoted>());
    }

    [Fact]
    public void A_threshold_on_a_metric_the_model_does_not_have_is_an_error()
    {
        var model = Model("missing");
        var registry = Registry();
        registry.Register(runs.Weak.Id, model);

        var e = Assert.Throws<MlOpsException>(() => registry.Promote(model, 1, ModelStage.Production, "x", new PromotionOptions { ExtraGates = ["rmse <= 3.2"] }));

        Assert.Contains("'rmse'", e.Message);
        Assert.Contains("auc", e.Message); // names the metrics it does have
    }

    [Fact]
    public void A_worse_model_is_refused_by_no_regression_rescored_against_Production()
    {
        var model = Model("regress");
        var registry = Registry();
        registry.Register(runs.Strong.Id, model);
        registry.Register(runs.Weak.Id, model);
        Assert.True(registry.Promote(model, 1, ModelStage.Production, "strong").Promoted);

        var result = registry.Promote(model, 2, ModelStage.Production, "weak");

        Assert.False(result.Promoted);
        var gate = result.Gates.Single(g => g.Name == "no-regression");
        Assert.False(gate.Passed);
        Assert.Contains(runs.Weak.Metrics["auc"].ToString("0.######", System.Globalization.CultureInfo.InvariantCulture), gate.Detail);
        Assert.Contains(runs.Strong.Metrics["auc"].ToString("0.######", System.Globalization.CultureInfo.InvariantCulture), gate.Detail);
        Assert.Equal(ModelStage.Production, registry.Version(model, 1).Stage);
    }

    [Fact]
    public void No_regression_rescores_Production_instead_of_trusting_its_stored_metrics()
    {
        var model = Model("rescore");
        var registry = Registry();
        Assert.True(runs.Strong.Metrics["auc"] < 1.0);
        // The weak run's model, its rows and its cache entries, but claiming a perfect auc: only re-scoring sees through it.
        var claims = runs.Weak with
        {
            Id = Guid.NewGuid().ToString("N"), Experiment = "claims",
            Metrics = new Dictionary<string, double>(runs.Weak.Metrics) { ["auc"] = 1.0 },
        };
        runs.Store.SaveRun(claims);
        registry.Register(claims.Id, model);
        registry.Register(runs.Strong.Id, model);
        Assert.True(registry.Promote(model, 1, ModelStage.Production, "claims to be perfect").Promoted);

        var result = registry.Promote(model, 2, ModelStage.Production, "really better");

        var gate = result.Gates.Single(g => g.Name == "no-regression");
        Assert.True(gate.Passed, gate.Detail);
        Assert.Contains($"Production v1 {Auc(runs.Weak)}", gate.Detail);
        Assert.True(result.Promoted);
    }

    [Fact]
    public void No_regression_lets_a_worse_model_through_within_the_declared_tolerance_only()
    {
        var gap = runs.Strong.Metrics["auc"] - runs.Weak.Metrics["auc"];
        ModelRegistry Declared(string model, double tolerance) =>
            Registry(FormattableString.Invariant($"models: {{ {model}: {{ no_regression: {{ tolerance: {tolerance} }} }} }}"));
        PromotionResult WeakAfterStrong(string model, double tolerance)
        {
            var registry = Declared(model, tolerance);
            registry.Register(runs.Strong.Id, model);
            registry.Register(runs.Weak.Id, model);
            registry.Promote(model, 1, ModelStage.Production, "strong");
            return registry.Promote(model, 2, ModelStage.Production, "weak");
        }

        var within = WeakAfterStrong(Model("tolerant"), gap + 0.001);
        var beyond = WeakAfterStrong(Model("strict"), gap / 2);

        Assert.True(within.Promoted, string.Join("; ", within.Gates));
        Assert.False(beyond.Promoted);
        Assert.False(beyond.Gates.Single(g => g.Name == "no-regression").Passed);
    }

    [Fact]
    public void Smoke_fails_when_scoring_a_row_takes_longer_than_the_declared_bound()
    {
        var model = Model("latency");
        var registry = Registry($"models: {{ {model}: {{ smoke: {{ rows: 20, max_latency_ms: 0 }} }} }}");
        registry.Register(runs.Strong.Id, model);

        var result = registry.Promote(model, 1, ModelStage.Staging, "too slow for a zero bound");

        Assert.False(result.Promoted);
        var smoke = result.Gates.Single(g => g.Name == "smoke");
        Assert.False(smoke.Passed);
        Assert.Contains("scored 20 held-out rows, 0 NaN/empty predictions", smoke.Detail);
        Assert.Contains("(bound 0)", smoke.Detail);
        Assert.Equal(ModelStage.None, registry.Version(model, 1).Stage);
    }

    private static string Auc(Run run) => run.Metrics["auc"].ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void An_incompatible_signature_is_refused_unless_acknowledged()
    {
        var model = Model("schema");
        var registry = Registry($"models: {{ {model}: {{ no_regression: false }} }}");
        registry.Register(runs.Narrow.Id, model);
        registry.Register(runs.Strong.Id, model);
        Assert.True(registry.Promote(model, 1, ModelStage.Production, "narrow").Promoted);

        var refused = registry.Promote(model, 2, ModelStage.Production, "wide");
        var accepted = registry.Promote(model, 2, ModelStage.Production, "wide", new PromotionOptions { AcknowledgeSchemaChange = true });

        var schema = refused.Gates.Single(g => g.Name == "schema");
        Assert.False(schema.Passed);
        Assert.Contains("new inputs", schema.Detail);
        Assert.True(accepted.Promoted);
        Assert.Contains("acknowledged", accepted.Gates.Single(g => g.Name == "schema").Detail);
        Assert.DoesNotContain(accepted.Gates, g => g.Name == "no-regression");
    }

    [Fact]
    public void An_altered_artifact_is_refused_and_reported()
    {
        var model = Model("altered");
        var registry = Registry();
        var v = registry.Register(runs.Weak.Id, model);
        var path = ((FileArtifactStore)runs.Store.Artifacts).PathOf(v.Artifact);
        var original = File.ReadAllBytes(path);
        try
        {
            var altered = (byte[])original.Clone();
            altered[altered.Length / 2] ^= 0xFF;
            File.WriteAllBytes(path, altered);

            var result = registry.Promote(model, 1, ModelStage.Production, "ship it");

            Assert.False(result.Promoted);
            var smoke = result.Gates.Single(g => g.Name == "smoke");
            Assert.False(smoke.Passed);
            Assert.Contains("corrupted", smoke.Detail);
            Assert.Contains(v.Artifact.Sha256, smoke.Detail);
            // Registering checks the hash too: a version never starts out with a model that does not match its run's.
            var e = Assert.Throws<MlOpsException>(() => registry.Register(runs.Weak.Id, Model("altered-register")));
            Assert.Contains("corrupted", e.Message);
            Assert.Throws<MlOpsException>(() => registry.Versions(Model("altered-register")));
        }
        finally
        {
            File.WriteAllBytes(path, original);
        }
    }

    [Fact]
    public void Rollback_puts_the_previous_Production_version_back()
    {
        var model = Model("rollback");
        var registry = Registry($"models: {{ {model}: {{ no_regression: false }} }}");
        registry.Register(runs.Strong.Id, model);
        registry.Register(runs.Weak.Id, model);
        registry.Promote(model, 1, ModelStage.Production, "v1");
        registry.Promote(model, 2, ModelStage.Production, "v2");

        var result = registry.Rollback(model, "v2 misbehaves");

        Assert.True(result.Promoted);
        Assert.Equal(1, result.Version.Version);
        Assert.Equal([ModelStage.Production, ModelStage.Archived], registry.Versions(model).Select(v => v.Stage));
        Assert.Equal("v2 misbehaves", registry.History(model).Last(t => t.To == ModelStage.Production).Reason);
        Assert.Contains("No model", Assert.Throws<MlOpsException>(() => Registry().Rollback(Model("never"), "x")).Message);
        var once = Model("rollback-once");
        registry.Register(runs.Strong.Id, once);
        registry.Promote(once, 1, ModelStage.Production, "only");
        Assert.Contains("no earlier Production version", Assert.Throws<MlOpsException>(() => registry.Rollback(once, "x")).Message);
    }

    [Fact]
    public void Keep_previous_leaves_the_displaced_version_in_Staging()
    {
        var model = Model("keep");
        var registry = Registry($"models: {{ {model}: {{ no_regression: false }} }}");
        registry.Register(runs.Strong.Id, model);
        registry.Register(runs.Weak.Id, model);
        registry.Promote(model, 1, ModelStage.Production, "v1");

        registry.Promote(model, 2, ModelStage.Production, "v2", new PromotionOptions { KeepPrevious = true });

        Assert.Equal([ModelStage.Staging, ModelStage.Production], registry.Versions(model).Select(v => v.Stage));
    }

    [Fact]
    public void Production_needs_a_reason_and_None_is_not_a_target()
    {
        var model = Model("reason");
        var registry = Registry();
        registry.Register(runs.Weak.Id, model);
        Assert.Contains("needs a reason", Assert.Throws<MlOpsException>(() => registry.Promote(model, 1, ModelStage.Production, " ")).Message);
        Assert.Contains("Archived", Assert.Throws<MlOpsException>(() => registry.Promote(model, 1, ModelStage.None, "x")).Message);
        Assert.Contains("no version 9", Assert.Throws<MlOpsException>(() => registry.Promote(model, 9, ModelStage.Staging, "x")).Message);
    }

    [Fact]
    public void CheckGates_records_a_gate_run_without_changing_the_stage()
    {
        var model = Model("check");
        var registry = Registry($"models: {{ {model}: {{ gates: [\"auc >= 0.5\"] }} }}");
        registry.Register(runs.Strong.Id, model);

        var results = registry.CheckGates(model, 1);

        Assert.All(results, r => Assert.True(r.Passed, r.Detail));
        Assert.Equal(ModelStage.None, registry.Version(model, 1).Stage);
        Assert.Equal("gate", Assert.Single(registry.GateRuns(model)).Purpose);
    }

    [Fact]
    public void Aliases_move_between_versions()
    {
        var model = Model("alias");
        var registry = Registry();
        registry.Register(runs.Strong.Id, model);
        registry.Register(runs.Weak.Id, model);
        registry.SetAlias(model, "champion", 1);
        registry.SetAlias(model, "champion", 2);
        Assert.Equal(2, registry.ByAlias(model, "champion").Version);
        Assert.Throws<MlOpsException>(() => registry.SetAlias(model, "bad/alias", 1));
    }

    [Fact]
    public void Slice_gates_judge_the_candidate_on_a_filtered_subset_of_its_held_out_rows()
    {
        var model = Model("slices");
        var registry = Registry($$"""
            models:
              {{model}}:
                slices:
                  - { name: all-rows, filter: "national_rank >= 0", gate: "accuracy >= 0.5" }
                  - { name: too-strict, filter: "national_rank <= 20", gate: "accuracy >= 1.01" }
                  - { name: tiny, filter: "national_rank > 100000", gate: "accuracy >= 0.5" }
            """);
        registry.Register(runs.Strong.Id, model);

        var gates = registry.CheckGates(model, 1);

        var all = gates.Single(g => g.Name.StartsWith("slice all-rows", StringComparison.Ordinal));
        Assert.True(all.Passed, all.Detail);
        Assert.Contains("on 100 held-out rows", all.Detail); // the whole validation year of cwurData
        var strict = gates.Single(g => g.Name.StartsWith("slice too-strict", StringComparison.Ordinal));
        Assert.False(strict.Passed);
        Assert.Matches(@"accuracy = [0-9.]+ on \d+ held-out rows where national_rank <= 20", strict.Detail);
        var tiny = gates.Single(g => g.Name.StartsWith("slice tiny", StringComparison.Ordinal));
        Assert.False(tiny.Passed);
        Assert.Contains("only 0 held-out rows match", tiny.Detail);

        var refused = registry.Promote(model, 1, ModelStage.Staging, "slices decide");
        Assert.False(refused.Promoted);
        Assert.Equal(ModelStage.None, registry.Version(model, 1).Stage);
    }

    [Fact]
    public void A_slice_declaration_without_a_gate_is_a_clear_error()
    {
        var e = Assert.Throws<MlOpsException>(() => GateFile.Parse("models:\n  m:\n    slices:\n      - { filter: \"a > 1\" }\n"));
        Assert.Contains("a slice needs a filter and a gate", e.Message);
    }

    [Fact]
    public void Lineage_and_Describe_answer_from_the_versions_snapshot_even_when_the_run_is_gone()
    {
        var registry = Registry();
        registry.Register(runs.Strong.Id, Model("lineage"));
        registry.Promote(Model("lineage"), 1, ModelStage.Archived, "retire");

        var lineage = registry.Lineage(Model("lineage"), 1);
        // The same registered models, read next to a run store that never had the run (as after a clean-up).
        var empty = Directory.CreateTempSubdirectory("mlops-empty-").FullName;
        ModelLineage orphan;
        using (var other = MlOps.Storage.LiteDb.LiteDbRunStore.Open(Path.Combine(empty, ".mlops")))
            orphan = new ModelRegistry(other, runs.Store, _events).Lineage(Model("lineage"), 1);
        var described = registry.Describe(Model("lineage"));

        Assert.Equal(runs.Strong.Id, lineage.Run!.Id);
        Assert.Null(orphan.Run);
        Assert.Equal((runs.Strong.Data!.Sha256, "50"), (orphan.Version.Data!.Sha256, orphan.Version.Params["train.n_est"]));
        Assert.Equal((1, 1, ModelStage.Archived), (described.Versions.Count, described.History.Count, described.Versions[0].Stage));
        Assert.Throws<MlOpsException>(() => registry.Lineage(Model("lineage"), 7));
        Directory.Delete(empty, recursive: true);
    }
}
