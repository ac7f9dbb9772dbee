using MlOps.Catalog;
using MlOps.Monitoring;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Storage.Postgres;

public sealed partial class PostgresStore
{
    // TODO(pg-deployments)
    public void SaveDeployment(Deployment deployment) => throw new NotImplementedException();
    public IReadOnlyList<Deployment> ListDeployments(string? model = null) => throw new NotImplementedException();
}
