using MlOps.Catalog;
using MlOps.Monitoring;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Storage.Postgres;

public sealed partial class PostgresStore
{
    // TODO(pg-monitoring)
    public void SaveProfile(ReferenceProfile profile) => throw new NotImplementedException();
    public ReferenceProfile? FindProfile(string model, int version) => throw new NotImplementedException();
    public void SaveCheck(MonitoringReport report) => throw new NotImplementedException();
    public IReadOnlyList<MonitoringReport> ListChecks(string model, int? version = null) => throw new NotImplementedException();
    public void SaveDecision(DecisionRecord record) => throw new NotImplementedException();
    public IReadOnlyList<DecisionRecord> ListDecisions(string model) => throw new NotImplementedException();
}
