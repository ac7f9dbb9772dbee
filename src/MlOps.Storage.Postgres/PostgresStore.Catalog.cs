using MlOps.Catalog;
using MlOps.Monitoring;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Storage.Postgres;

public sealed partial class PostgresStore
{
    // TODO(pg-catalog)
    public void AppendRecord(CatalogRecord record) => throw new NotImplementedException();
    public IReadOnlyList<CatalogRecord> ReadRecords(string? model = null) => throw new NotImplementedException();
}
