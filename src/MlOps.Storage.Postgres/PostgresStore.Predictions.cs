using MlOps.Catalog;
using MlOps.Monitoring;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Storage.Postgres;

public sealed partial class PostgresStore
{
    // TODO(pg-predictions)
    public void AppendPredictions(IReadOnlyList<LoggedPrediction> batch) => throw new NotImplementedException();
    public IEnumerable<LoggedPrediction> ReadPredictions(string model, int? version = null, string? source = null, DateTime? from = null, DateTime? to = null) => throw new NotImplementedException();
    public long CountPredictions(string model, int? version = null, string? source = null) => throw new NotImplementedException();
}
