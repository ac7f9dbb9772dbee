using MlOps.Catalog;
using MlOps.Monitoring;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Storage.Postgres;

public sealed partial class PostgresStore
{
    // TODO(pg-registry)
    public ModelVersion AddVersion(ModelVersion draft) => throw new NotImplementedException();
    public ModelVersion? FindVersion(string model, int version) => throw new NotImplementedException();
    public IReadOnlyList<ModelVersion> ListVersions(string model) => throw new NotImplementedException();
    public IReadOnlyList<ModelSummary> ListModels() => throw new NotImplementedException();
    public bool TryChangeStage(StageChange change) => throw new NotImplementedException();
    public IReadOnlyList<Transition> History(string model) => throw new NotImplementedException();
    public void AddGateRun(GateRun run) => throw new NotImplementedException();
    public IReadOnlyList<GateRun> GateRuns(string model, int? version = null) => throw new NotImplementedException();
    public void SetAlias(string model, string alias, int? version) => throw new NotImplementedException();
    public void ImportModel(string model, IReadOnlyList<ModelVersion> versions, IReadOnlyList<Transition> history, IReadOnlyList<GateRun> gateRuns) => throw new NotImplementedException();
}
