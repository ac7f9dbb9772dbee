using MlOps.Core.Tests.Data;
using MlOps.Data;
using MlOps.Monitoring;
using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Storage.LiteDb;

namespace MlOps.Tests.Monitoring;

/// <summary>
/// A real model on cwurData.csv (params.yaml: trained on 2012-2014, validated on 2015), registered in a temp LiteDB
/// store, with its reference profile built from its training rows; windows are cut from the same file.
/// </summary>
public sealed class RankingsModel : IDisposable
{
    public RankingsModel()
    {
        Store = LiteDbRunStore.Open(Directory);
        Params = ParamSet.Load(Path.Combine(RepoPaths.Root, "params.yaml")).With("data.path", RepoPaths.Rankings("cwurData.csv")).With("train.n_est", "20");
        var outcome = new Experiments(Store).Run(new ExperimentRequest { Name = "monitor", Params = Params });
        Assert.True(outcome.Succeeded);
        Registry = ModelRegistry.Over(Store, new RegistryEventHub());
        Version = Registry.Register(outcome.Runs.Single().Run.Id, "rankings");
        TrainingRows = MlOps.Monitoring.TrainingRows.Load(Version, Store);
        using var scorer = ModelScorer.Load(Version, Store.Artifacts);
        Profile = ReferenceProfile.Build(TrainingRows, Version, scorer);
        Data = TableLoader.Load(RepoPaths.Rankings("cwurData.csv"));
    }

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("mlops-monitor-").FullName;

    public LiteDbRunStore Store { get; }

    public ParamSet Params { get; }

    public ModelRegistry Registry { get; }

    public ModelVersion Version { get; }

    public Table TrainingRows { get; }

    public ReferenceProfile Profile { get; }

    /// <summary>The whole file, every year, unfiltered.</summary>
    public Table Data { get; }

    /// <summary>The rows of one year, every column, each cell through <paramref name="change"/> (column, row, cell).</summary>
    public Table Year(string year, Func<string, int, string?, string?>? change = null, IEnumerable<string>? drop = null)
    {
        var rows = Enumerable.Range(0, Data.RowCount).Where(r => Data["year"].Text![r] == year).ToArray();
        var dropped = (drop ?? []).ToHashSet();
        return new Table("cwur-" + year, Data.Columns.Where(c => !dropped.Contains(c.Name))
            .Select(c => new TableColumn(c.Name, rows.Select((r, i) => change is null ? c.Text![r] : change(c.Name, i, c.Text![r])).ToArray())).ToList());
    }

    public ModelMonitor Monitor(MonitorPolicy? policy = null) => new(Version, Profile, Store.Artifacts, policy);

    public void Dispose()
    {
        Store.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
