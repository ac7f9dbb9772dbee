using LiteDB;
using MlOps.Catalog;

namespace MlOps.Storage.LiteDb;

/// <summary>
/// Catalog records: insert-only (no code path here updates or deletes one). A catalog is usually its own store folder,
/// shared by every project of a machine or team, so it reuses the same file, lock and format.
/// </summary>
public sealed partial class LiteDbRunStore : ICatalogStore
{
    private const string CatalogCollection = "catalog";

    public void AppendRecord(CatalogRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var doc = new BsonDocument
        {
            ["_id"] = record.Id,
            ["kind"] = record.Kind,
            ["model"] = record.Model,
            ["version"] = record.Version is { } v ? v : BsonValue.Null,
            ["project"] = record.Project,
            ["at"] = record.At.UtcTicks,
            ["by"] = record.By,
            ["summary"] = record.Summary,
            ["facts"] = new BsonDocument(record.Facts.ToDictionary(f => FieldName.Escape(f.Key), f => new BsonValue(f.Value))),
            ["evidence"] = new BsonArray(record.Evidence.Select(e => new BsonValue(e))),
            ["corrects"] = record.Corrects is { } c ? c : BsonValue.Null,
        };
        Write(db =>
        {
            var collection = db.GetCollection(CatalogCollection);
            collection.EnsureIndex("model", "$.model");
            if (collection.FindById(record.Id) is not null)
                throw new MlOpsException($"Catalog record {record.Id} already exists; records are never replaced. Append a correction instead.");
            // Append order is the catalog's order (event times may arrive out of order across processes).
            doc["seq"] = collection.Count() + 1;
            collection.Insert(doc);
        });
    }

    public IReadOnlyList<CatalogRecord> ReadRecords(string? model = null) => Read(db =>
    {
        var collection = db.GetCollection(CatalogCollection);
        var docs = model is null ? collection.FindAll() : collection.Find(Query.EQ("model", model));
        return docs.OrderBy(d => d["seq"].AsInt32).Select(d => new CatalogRecord
        {
            Id = d["_id"].AsString,
            Kind = d["kind"].AsString,
            Model = d["model"].AsString,
            Version = d["version"].IsNull ? null : d["version"].AsInt32,
            Project = d["project"].AsString,
            At = new DateTimeOffset(d["at"].AsInt64, TimeSpan.Zero),
            By = d["by"].AsString,
            Summary = d["summary"].AsString,
            Facts = d["facts"].AsDocument.ToDictionary(f => FieldName.Unescape(f.Key), f => f.Value.AsString),
            Evidence = d["evidence"].AsArray.Select(e => e.AsString).ToList(),
            Corrects = d["corrects"].IsNull ? null : d["corrects"].AsString,
        }).ToList();
    });
}
