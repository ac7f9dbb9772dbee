using MlOps.Serving;
using NpgsqlTypes;

namespace MlOps.Storage.Postgres;

/// <summary>Deployment records: one row per server start, replaced when it stops.</summary>
public sealed partial class PostgresStore
{
    public void SaveDeployment(Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        // Times come back in UTC (offset 0), as the embedded store returns them; the instant and its ticks are kept.
        var utc = deployment with { StartedAt = deployment.StartedAt.ToUniversalTime(), StoppedAt = deployment.StoppedAt?.ToUniversalTime() };
        WriteRecordRow(
            "INSERT INTO deployments (id, model, started_ticks, doc) VALUES (@id, @model, @started, @doc::jsonb) " +
            "ON CONFLICT (id) DO UPDATE SET model = excluded.model, started_ticks = excluded.started_ticks, doc = excluded.doc",
            ("id", utc.Id), ("model", utc.Model), ("started", utc.StartedAt.UtcTicks), ("doc", StoreJson.Write(utc)));
    }

    public IReadOnlyList<Deployment> ListDeployments(string? model = null) => ReadRecordDocs(
        "SELECT doc::text FROM deployments WHERE @model IS NULL OR model = @model ORDER BY started_ticks DESC, id",
        StoreJson.Read<Deployment>, Optional("model", NpgsqlDbType.Text, model));
}
