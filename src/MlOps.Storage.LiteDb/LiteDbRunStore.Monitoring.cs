using LiteDB;
using MlOps.Monitoring;

namespace MlOps.Storage.LiteDb;

/// <summary>
/// Monitoring records: reference profiles (one per version), window reports (one per version and window) and
/// decisions (insert only). Each document keeps the record as JSON plus the fields it is looked up and sorted by.
/// </summary>
public sealed partial class LiteDbRunStore : IMonitoringStore
{
    private const string ProfilesCollection = "monitor_profiles";
    private const string ChecksCollection = "monitor_checks";
    private const string DecisionsCollection = "monitor_decisions";

    public void SaveProfile(ReferenceProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var doc = new BsonDocument
        {
            ["_id"] = $"{profile.Model}\u001f{profile.Version}",
            ["model"] = profile.Model,
            ["version"] = profile.Version,
            ["json"] = profile.ToJson(),
        };
        Write(db => db.GetCollection(ProfilesCollection).Upsert(doc));
    }

    public ReferenceProfile? FindProfile(string model, int version) => Read(db =>
        db.GetCollection(ProfilesCollection).FindById($"{model}\u001f{version}") is { } doc ? ReferenceProfile.FromJson(doc["json"].AsString) : null);

    public void SaveCheck(MonitoringReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var doc = new BsonDocument
        {
            ["_id"] = $"{report.Model}\u001f{report.Version}\u001f{report.WindowId}",
            ["model"] = report.Model,
            ["version"] = report.Version,
            ["at"] = report.At.UtcTicks,
            ["json"] = MonitoringJson.Write(report),
        };
        Write(db =>
        {
            var collection = db.GetCollection(ChecksCollection);
            collection.EnsureIndex("model", "$.model");
            collection.Upsert(doc);
        });
    }

    public IReadOnlyList<MonitoringReport> ListChecks(string model, int? version = null) => Read(db =>
        db.GetCollection(ChecksCollection).Find(Query.EQ("model", model))
            .Where(d => version is null || d["version"].AsInt32 == version)
            .OrderBy(d => d["at"].AsInt64).ThenBy(d => d["_id"].AsString, StringComparer.Ordinal)
            .Select(d => MonitoringJson.Read<MonitoringReport>(d["json"].AsString)).ToList());

    public void SaveDecision(DecisionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var doc = new BsonDocument
        {
            ["_id"] = record.Id,
            ["model"] = record.Model,
            ["at"] = record.At.UtcTicks,
            ["json"] = MonitoringJson.Write(record),
        };
        Write(db =>
        {
            var collection = db.GetCollection(DecisionsCollection);
            collection.EnsureIndex("model", "$.model");
            // Insert, never upsert: an existing id is refused, so no record is ever rewritten.
            if (collection.FindById(record.Id) is not null)
                throw new MlOpsException($"Decision record {record.Id} already exists and records are append-only. Record a correction as a new record with Supersedes = \"{record.Id}\".");
            collection.Insert(doc);
        });
    }

    public IReadOnlyList<DecisionRecord> ListDecisions(string model) => Read(db =>
        db.GetCollection(DecisionsCollection).Find(Query.EQ("model", model))
            .Select(d => (At: d["at"].AsInt64, Record: MonitoringJson.Read<DecisionRecord>(d["json"].AsString)))
            .OrderBy(x => x.At).Select(x => x.Record).ToList());
}
