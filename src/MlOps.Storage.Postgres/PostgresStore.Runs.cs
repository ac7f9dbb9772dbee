using MlOps.Catalog;
using MlOps.Monitoring;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Storage.Postgres;

public sealed partial class PostgresStore
{
    // TODO(pg-runs)
    public void SaveRun(Run run) => throw new NotImplementedException();
    public Run? FindRun(string idOrPrefix) => throw new NotImplementedException();
    public IReadOnlyList<Run> QueryRuns(RunQuery query) => throw new NotImplementedException();
    public IReadOnlyList<ExperimentSummary> ListExperiments() => throw new NotImplementedException();
    public void SaveDetails(RunDetails details) => throw new NotImplementedException();
    public RunDetails? FindDetails(string runId) => throw new NotImplementedException();
    public StageCacheEntry? FindStage(string key) => throw new NotImplementedException();
    public void SaveStage(StageCacheEntry entry) => throw new NotImplementedException();
    public void SaveBatch(Run run, RunDetails? details, IReadOnlyList<StageCacheEntry> stages) => throw new NotImplementedException();
    public IEnumerable<StageCacheEntry> ListStages() => throw new NotImplementedException();
}
