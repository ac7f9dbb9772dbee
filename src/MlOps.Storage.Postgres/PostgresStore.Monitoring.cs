using MlOps.Monitoring;
using NpgsqlTypes;

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
        WriteRecordRow(
            "INSERT INTO monitor_profiles (model, version, doc) VALUES (@model, @version, @doc::json) " +
            "ON CONFLICT (model, version) DO UPDATE SET doc = excluded.doc",
            ("model", profile.Model), ("version", profile.Version), ("doc", profile.ToJson()));
    }

    public ReferenceProfile? FindProfile(string model, int version) => ReadRecordDocs(
        "SELECT doc::text FROM monitor_profiles WHERE model = @model AND version = @version",
        ReferenceProfile.FromJson, Optional("model", NpgsqlDbType.Text, model), Optional("version", NpgsqlDbType.Integer, version)).SingleOrDefault();

    public void SaveCheck(MonitoringReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        WriteRecordRow(
            "INSERT INTO monitor_checks (model, version, window_id, at_ticks, doc) VALUES (@model, @version, @window, @at, @doc::json) " +
            "ON CONFLICT (model, version, window_id) DO UPDATE SET at_ticks = excluded.at_ticks, doc = excluded.doc",
            ("model", report.Model), ("version", report.Version), ("window", report.WindowId), ("at", report.At.UtcTicks), ("doc", MonitoringJson.Write(report)));
    }

    public IReadOnlyList<MonitoringReport> ListChecks(string model, int? version = null) => Read(connection =>
    {
        using var command = Command(connection, null,
            "SELECT at_ticks, version, window_id, doc::text FROM monitor_checks WHERE model = @model AND (@version IS NULL OR version = @version)");
        command.Parameters.Add(Optional("model", NpgsqlDbType.Text, model));
        command.Parameters.Add(Optional("version", NpgsqlDbType.Integer, version));
        var rows = new List<(long At, string Key, string Json)>();
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                rows.Add((reader.GetInt64(0), $"{model}\u001f{reader.GetInt32(1)}\u001f{reader.GetString(2)}", reader.GetString(3)));
        // Ties in time are ordered by the embedded store's key (model, version, window as ordinal text), so both agree.
        return rows.OrderBy(r => r.At).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => MonitoringJson.Read<MonitoringReport>(r.Json)).ToList();
    });

    public void SaveDecision(DecisionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        // Insert, never upsert: an existing id is refused by the primary key, also between concurrent writers.
        if (WriteRecordRow("INSERT INTO monitor_decisions (id, model, at_ticks, doc) VALUES (@id, @model, @at, @doc::json) ON CONFLICT (id) DO NOTHING",
                ("id", record.Id), ("model", record.Model), ("at", record.At.UtcTicks), ("doc", MonitoringJson.Write(record))) == 0)
            throw new MlOpsException($"Decision record {record.Id} already exists and records are append-only. Record a correction as a new record with Supersedes = \"{record.Id}\".");
    }

    public IReadOnlyList<DecisionRecord> ListDecisions(string model) => ReadRecordDocs(
        "SELECT doc::text FROM monitor_decisions WHERE model = @model ORDER BY at_ticks, seq",
        MonitoringJson.Read<DecisionRecord>, Optional("model", NpgsqlDbType.Text, model));
}
