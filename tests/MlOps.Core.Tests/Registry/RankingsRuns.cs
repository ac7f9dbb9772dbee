using MlOps.Core.Tests.Data;
using MlOps.Pipeline;
using MlOps.Storage.LiteDb;
using MlOps.Tracking;

namespace MlOps.Tests.Registry;

/// <summary>
/// Real runs on cwurData.csv (params.yaml) in a real LiteDB store, trained once per test class: a weak forest
/// (1 tree), a strong one (50 trees) and a narrow one (first 3 features only, so its signature differs).
/// </summary>
public sealed class RankingsRuns : IDisposable
{
    public RankingsRuns()
    {
        Store = LiteDbRunStore.Open(Directory);
        var p = ParamSet.Load(Path.Combine(RepoPaths.Root, "params.yaml")).With("data.path", RepoPaths.Rankings("cwurData.csv"));
        var engine = new Experiments(Store);
        var sweep = engine.Run(new ExperimentRequest { Name = "rankings", Params = p, Sets = ["train.n_est=1,50"] });
        Assert.True(sweep.Succeeded);
        Weak = sweep.Runs.Single(r => r.Run.Params["train.n_est"] == "1").Run;
        Strong = sweep.Runs.Single(r => r.Run.Params["train.n_est"] == "50").Run;
        Narrow = engine.Run(new ExperimentRequest { Name = "narrow", Params = p.With("featurize.max_features", "3").With("train.n_est", "50") }).Runs.Single().Run;
        Assert.NotEqual(Weak.Metrics["auc"], Strong.Metrics["auc"]);
        if (Weak.Metrics["auc"] > Strong.Metrics["auc"]) (Weak, Strong) = (Strong, Weak);
    }

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("mlops-registry-").FullName;

    public LiteDbRunStore Store { get; }

    /// <summary>The run with the lower auc.</summary>
    public Run Weak { get; }

    public Run Strong { get; }

    public Run Narrow { get; }

    public void Dispose()
    {
        Store.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
