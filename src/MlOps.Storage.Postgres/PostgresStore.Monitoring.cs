using MlOps.Monitoring;

namespace MlOps.Storage.Postgres;

/// <summary>
/// Monitoring records: reference profiles (one per version), window reports (one per version and window) and
/// decisions (insert only). Each row keeps the record in the domain's own JSON (as the embedded store does) plus
/// the columns it is looked up and sorted by.
/// </summary>
public sealed partial class PostgresStore
{
    public void SaveProfile(ReferenceProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        WriteRecordRow(new Statement(
            "INSERT INTO monitor_profiles (model, version, doc) VALUES ($1, $2, $3) ON CONFLICT (model, version) DO UPDATE SET doc = excluded.doc",
            profile.Model, profile.Version, new JsonValue(profile.ToJson())));
    }

    public ReferenceProfile? FindProfile(string model, int version) => ReadRecordDocs(
        new Statement("SELECT doc::text FROM monitor_profiles WHERE model = $1 AND version = $2", model, version), ReferenceProfile.FromJson).SingleOrDefault();

    public void SaveCheck(MonitoringReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        WriteRecordRow(new Statement(
            "INSERT INTO monitor_checks (model, version, window_id, at_ticks, doc) VALUES ($1, $2, $3, $4, $5) " +
            "ON CONFLICT (model, version, window_id) DO UPDATE SET at_ticks = excluded.at_ticks, doc = excluded.doc",
            report.Model, report.Version, report.WindowId, report.At.UtcTicks, new JsonValue(MonitoringJson.Write(report))));
    }

    public IReadOnlyList<MonitoringReport> ListChecks(string model, int? version = null) => Read(connection =>
    {
        var rows = Query(connection, null,
            new Statement("SELECT at_ticks, version, window_id, doc::text FROM monitor_checks WHERE model = $1 AND ($2::integer IS NULL OR version = $2)", model, version),
            reader => (At: reader.GetInt64(0), Key: $"{model}\u001f{reader.GetInt32(1)}\u001f{reader.GetString(2)}", Json: reader.GetString(3)));
        // Ties in time are ordered by the embedded store's key (model, version, window as ordinal text), so both agree.
        return rows.OrderBy(r => r.At).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => MonitoringJson.Read<MonitoringReport>(r.Json)).ToList();
    });

    public void SaveDecision(DecisionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        // Insert, never upsert: an existing id is refused by the primary key, also between concurrent writers.
        if (WriteRecordRow(new Statement("INSERT INTO monitor_decisions (id, model, at_ticks, doc) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                record.Id, record.Model, record.At.UtcTicks, new JsonValue(MonitoringJson.Write(record)))) == 0)
            throw new MlOpsException($"Decision record {record.Id} already exists and records are append-only. Record a correction as a new record with Supersedes = \"{record.Id}\".");
    }

    public IReadOnlyList<DecisionRecord> ListDecisions(string model) => ReadRecordDocs(
        new Statement("SELECT doc::text FROM monitor_decisions WHERE model = $1 ORDER BY at_ticks, seq", model), MonitoringJson.Read<DecisionRecord>);
}
