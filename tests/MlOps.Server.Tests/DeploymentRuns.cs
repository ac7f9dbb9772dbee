using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Storage.LiteDb;
using MlOps.Tracking;

namespace MlOps.Server.Tests;

/// <summary>
/// Real cwurData runs in one temp store for deployment tests: two binary runs that answer differently (5 and 40
/// trees), one on three features only (another signature), a multiclass run (rank bands) and a regression (score).
/// </summary>
public sealed class DeploymentRuns : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlops-deploy-").FullName;

    public DeploymentRuns()
    {
        Store = LiteDbRunStore.Open(_directory);
        var p = ParamSet.Load(Path.Combine(ServedModel.RepoRoot, "params.yaml")).With("data.path", Path.GetDirectoryName(ServedModel.Rankings)!);
        var engine = new Experiments(Store);
        var sweep = engine.Run(new ExperimentRequest { Name = "trees", Params = p, Sets = ["train.n_est=5,40"] });
        Assert.True(sweep.Succeeded);
        Few = sweep.Runs.Single(r => r.Run.Params["train.n_est"] == "5").Run;
        Many = sweep.Runs.Single(r => r.Run.Params["train.n_est"] == "40").Run;
        Narrow = Single(engine.Run(new ExperimentRequest { Name = "narrow", Params = p.With("featurize.max_features", "3").With("train.n_est", "20") }));
        Bands = Single(engine.Run(new ExperimentRequest
        {
            Name = "bands",
            Params = p.With("featurize.label", "world_rank <= 33 ? \"top\" : (world_rank <= 66 ? \"middle\" : \"rest\")")
                .With("train.trainer", "OneVersusAll").With("train.n_est", "10"),
        }));
        Scores = Single(engine.Run(new ExperimentRequest { Name = "scores", Params = p.With("featurize.label", "score").With("train.n_est", "10") }));
    }

    private static Run Single(ExperimentResult result)
    {
        Assert.True(result.Succeeded, string.Join("; ", result.Runs.Select(r => r.Run.Error)));
        return result.Runs.Single().Run;
    }

    public LiteDbRunStore Store { get; }

    public Run Few { get; }

    public Run Many { get; }

    public Run Narrow { get; }

    public Run Bands { get; }

    public Run Scores { get; }

    /// <summary>A registry on its own event hub, with no regression gate (the test decides which version is better).</summary>
    public ModelRegistry Registry(string model) =>
        new(Store, Store, new RegistryEventHub(), GateFile.Parse($"models: {{ {model}: {{ no_regression: false }} }}"));

    /// <summary>A fresh model with <paramref name="runs"/> registered as v1, v2, ... and v1 in Production.</summary>
    public string NewModel(params Run[] runs)
    {
        var model = "deploy-" + Guid.NewGuid().ToString("N")[..8];
        var registry = Registry(model);
        foreach (var run in runs)
            registry.Register(run.Id, model);
        var promoted = registry.Promote(model, 1, ModelStage.Production, "first deployment");
        Assert.True(promoted.Promoted, string.Join("; ", promoted.Gates.Select(g => g.Detail)));
        return model;
    }

    public ModelScorer Load(string model, int version, ScorerOptions? options = null) =>
        ModelScorer.Load(Registry(model).Version(model, version), Store.Artifacts, options);

    public void Dispose()
    {
        Store.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
