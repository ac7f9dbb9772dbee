using MlOps.Core.Tests.Data;
using MlOps.Pipeline;
using MlOps.Storage.LiteDb;
using MlOps.Tracking;

namespace MlOps.Tests.Serving;

/// <summary>
/// params.yaml's cwurData runs with other labels: a derived three-class label (multiclass, one-versus-all forests)
/// and the numeric "score" column (regression), so the scorer is checked on every task, not only binary.
/// </summary>
public sealed class TaskRuns : IDisposable
{
    /// <summary>The multiclass label: the rank band of a university among the top 100.</summary>
    public const string BandLabel = "world_rank <= 33 ? \"top\" : (world_rank <= 66 ? \"middle\" : \"rest\")";

    public TaskRuns()
    {
        Store = LiteDbRunStore.Open(Directory);
        var p = ParamSet.Load(Path.Combine(RepoPaths.Root, "params.yaml")).With("data.path", RepoPaths.Rankings("cwurData.csv")).With("train.n_est", "20");
        var engine = new Experiments(Store);
        Multiclass = Single(engine.Run(new ExperimentRequest
        {
            Name = "bands", Params = p.With("featurize.label", BandLabel).With("train.trainer", "OneVersusAll"),
        }));
        Regression = Single(engine.Run(new ExperimentRequest { Name = "scores", Params = p.With("featurize.label", "score") }));
    }

    private static Run Single(ExperimentResult outcome)
    {
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Runs.Select(r => r.Run.Error)));
        return outcome.Runs.Single().Run;
    }

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("mlops-tasks-").FullName;

    public LiteDbRunStore Store { get; }

    public Run Multiclass { get; }

    public Run Regression { get; }

    public void Dispose()
    {
        Store.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
