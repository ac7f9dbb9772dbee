using MlOps.Catalog;

namespace MlOps.Storage.Postgres;

/// <summary>
/// Catalog records: insert-only (no code path here updates or deletes one), read in append order (seq), which is
/// the catalog's order: event times may arrive out of order across processes.
/// </summary>
public sealed partial class PostgresStore
{
    public void AppendRecord(CatalogRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        // The time comes back in UTC (offset 0), as the embedded store returns it; the instant and its ticks are kept.
        var doc = StoreJson.Write(record with { At = record.At.ToUniversalTime() });
        // Insert, never upsert: an existing id is refused by the primary key, also between concurrent writers.
        if (WriteRecordRow(new Statement("INSERT INTO catalog_records (id, model, doc) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
                record.Id, record.Model, new JsonValue(doc))) == 0)
            throw new MlOpsException($"Catalog record {record.Id} already exists; records are never replaced. Append a correction instead.");
    }

    public IReadOnlyList<CatalogRecord> ReadRecords(string? model = null) => ReadRecordDocs(
        new Statement("SELECT doc::text FROM catalog_records WHERE $1::text IS NULL OR model = $1 ORDER BY seq", model),
        StoreJson.Read<CatalogRecord>);
}
