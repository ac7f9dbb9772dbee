using MlOps.Serving;

namespace MlOps.Storage.Postgres;

/// <summary>Deployment records: one row per server start, replaced when it stops.</summary>
public sealed partial class PostgresStore
{
    public void SaveDeployment(Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        // Times come back in UTC (offset 0), as the embedded store returns them; the instant and its ticks are kept.
        var utc = deployment with { StartedAt = deployment.StartedAt.ToUniversalTime(), StoppedAt = deployment.StoppedAt?.ToUniversalTime() };
        WriteRecordRow(new Statement(
            "INSERT INTO deployments (id, model, started_ticks, doc) VALUES ($1, $2, $3, $4) " +
            "ON CONFLICT (id) DO UPDATE SET model = excluded.model, started_ticks = excluded.started_ticks, doc = excluded.doc",
            utc.Id, utc.Model, utc.StartedAt.UtcTicks, new JsonValue(StoreJson.Write(utc), Indexable: true)));
    }

    public IReadOnlyList<Deployment> ListDeployments(string? model = null) => ReadRecordDocs(
        new Statement("SELECT doc::text FROM deployments WHERE $1::text IS NULL OR model = $1 ORDER BY started_ticks DESC, id", model),
        StoreJson.Read<Deployment>);
}
