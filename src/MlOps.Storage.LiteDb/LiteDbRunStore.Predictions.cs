using System.Globalization;
using LiteDB;
using MlOps.Serving;

namespace MlOps.Storage.LiteDb;

/// <summary>
/// The prediction log: same file and lock as runs and models. Records are kept compact because there are many:
/// the column names of the inputs are stored once per distinct column set (collection <c>prediction_columns</c>)
/// and each record holds only its values in that order, with short field names. The primary key starts with the
/// timestamp's ticks, so the key index is the timestamp index: time windows are key ranges and reads stream in
/// timestamp order a page at a time. A second index on model/version serves counts and per-model reads.
/// A new collection only, so <see cref="SchemaVersion"/> stays: older code ignores it.
/// </summary>
public sealed partial class LiteDbRunStore : IPredictionLogStore
{
    private const string PredictionsCollection = "predictions";
    private const string PredictionColumnsCollection = "prediction_columns";
    private const string ModelVersionField = "k";
    private const int PredictionPage = 1000;

    // Column sets are few and never change once written: cached by their joined names and by id.
    private readonly Dictionary<string, int> _columnSetIds = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string[]> _columnSets = [];

    private static void InitializePredictions(LiteDatabase db)
    {
        db.GetCollection(PredictionsCollection).EnsureIndex(ModelVersionField, "$." + ModelVersionField);
        db.GetCollection(PredictionColumnsCollection).EnsureIndex("names", "$.names", unique: true);
    }

    public void AppendPredictions(IReadOnlyList<LoggedPrediction> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
            return;
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        Write(db =>
        {
            added.Clear(); // a retried transaction starts over
            var meta = db.GetCollection(MetaCollection);
            var counter = meta.FindById(PredictionsCollection) ?? new BsonDocument { ["_id"] = PredictionsCollection, ["seq"] = 0L };
            var sequence = counter["seq"].AsInt64;
            var docs = new List<BsonDocument>(batch.Count);
            foreach (var p in batch)
                docs.Add(ToBson(p, ColumnSetId(db, p.Inputs.Keys, added), sequence++));
            counter["seq"] = sequence;
            meta.Upsert(counter);
            db.GetCollection(PredictionsCollection).InsertBulk(docs, docs.Count);
        });
        lock (_gate)
            foreach (var (names, id) in added)
            {
                _columnSetIds[names] = id;
                _columnSets[id] = names.Split(ColumnSeparator);
            }
    }

    public IEnumerable<LoggedPrediction> ReadPredictions(string model, int? version = null, string? source = null, DateTime? from = null, DateTime? to = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        // Pages of keys, each read under the lock and released before yielding: a slow reader never holds the store.
        var after = from is { } f ? Key(f, 0) : "";
        var inclusive = true; // the window's start is included; later pages start after the last key read
        var before = to is { } t ? Key(t, 0) : null;
        var prefix = model + "/";
        var exact = version is { } v ? prefix + v.ToString(CultureInfo.InvariantCulture) : null;
        while (true)
        {
            var (start, gte) = (after, inclusive);
            var page = Read(db => db.GetCollection(PredictionsCollection).Query()
                .Where(gte ? Query.GTE("_id", start) : Query.GT("_id", start))
                .OrderBy("_id")
                .Limit(PredictionPage)
                .ToList());
            foreach (var doc in page)
            {
                var id = doc["_id"].AsString;
                if (before is not null && string.CompareOrdinal(id, before) >= 0)
                    yield break;
                var key = doc[ModelVersionField].AsString;
                if (exact is not null ? key != exact : !key.StartsWith(prefix, StringComparison.Ordinal))
                    continue;
                if (source is not null && doc["s"].AsString != source)
                    continue;
                yield return ToPrediction(doc, key);
            }
            if (page.Count < PredictionPage)
                yield break;
            after = page[^1]["_id"].AsString;
            inclusive = false;
        }
    }

    public long CountPredictions(string model, int? version = null, string? source = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        return Read(db =>
        {
            var predictions = db.GetCollection(PredictionsCollection);
            var byModel = version is { } v
                ? Query.EQ(ModelVersionField, model + "/" + v.ToString(CultureInfo.InvariantCulture))
                : Query.StartsWith(ModelVersionField, model + "/");
            return source is null ? predictions.LongCount(byModel) : predictions.LongCount(Query.And(byModel, Query.EQ("s", source)));
        });
    }

    // Unit separator: cannot occur in a CSV or JSON column name a client would send by accident.
    private const char ColumnSeparator = '\u001f';

    private int ColumnSetId(LiteDatabase db, IEnumerable<string> columns, Dictionary<string, int> added)
    {
        var names = string.Join(ColumnSeparator, columns);
        lock (_gate)
            if (_columnSetIds.TryGetValue(names, out var known))
                return known;
        if (added.TryGetValue(names, out var id))
            return id;
        var sets = db.GetCollection(PredictionColumnsCollection, BsonAutoId.Int32);
        var stored = sets.FindOne(Query.EQ("names", names));
        id = stored is not null ? stored["_id"].AsInt32 : sets.Insert(new BsonDocument { ["names"] = names }).AsInt32;
        added[names] = id;
        return id;
    }

    private string[] ColumnSet(int id)
    {
        lock (_gate)
            if (_columnSets.TryGetValue(id, out var names))
                return names;
        var loaded = Read(db => db.GetCollection(PredictionColumnsCollection).FindById(id)?["names"].AsString)
            ?? throw new MlOpsException($"The prediction log in {Location} names column set {id}, which is missing. The file is damaged; restore it from a backup.");
        var split = loaded.Split(ColumnSeparator);
        lock (_gate)
            _columnSets[id] = split;
        return split;
    }

    /// <summary>Timestamp ticks (UTC, 19 digits: sorts as text) then a store-wide sequence: unique, and in time order.</summary>
    private static string Key(DateTime timestamp, long sequence) =>
        ToUtc(timestamp).Ticks.ToString("D19", CultureInfo.InvariantCulture) + sequence.ToString("x8", CultureInfo.InvariantCulture);

    private static DateTime ToUtc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Utc => t,
        DateTimeKind.Local => t.ToUniversalTime(),
        _ => DateTime.SpecifyKind(t, DateTimeKind.Utc),
    };

    private static BsonDocument ToBson(LoggedPrediction p, int columnSet, long sequence)
    {
        var values = new BsonArray();
        foreach (var value in p.Inputs.Values)
            values.Add(value switch
            {
                null => BsonValue.Null,
                double d => new BsonValue(d),
                string s => new BsonValue(s),
                bool b => new BsonValue(b),
                IConvertible c when c.GetTypeCode() is >= TypeCode.SByte and <= TypeCode.Decimal => new BsonValue(c.ToDouble(CultureInfo.InvariantCulture)),
                _ => new BsonValue(Convert.ToString(value, CultureInfo.InvariantCulture)),
            });
        var doc = new BsonDocument
        {
            ["_id"] = Key(p.Timestamp, sequence),
            [ModelVersionField] = p.Model + "/" + p.Version.ToString(CultureInfo.InvariantCulture),
            ["s"] = p.Source,
            ["c"] = columnSet,
            ["x"] = values,
            ["l"] = p.Label,
        };
        if (p.Score is { } score) doc["sc"] = score;
        if (p.Probability is { } probability) doc["p"] = probability;
        return doc;
    }

    private LoggedPrediction ToPrediction(BsonDocument doc, string key)
    {
        var slash = key.LastIndexOf('/');
        var names = ColumnSet(doc["c"].AsInt32);
        var values = doc["x"].AsArray;
        var inputs = new Dictionary<string, object?>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length && i < values.Count; i++)
            inputs[names[i]] = values[i] switch
            {
                { IsNull: true } => null,
                { IsString: true } s => s.AsString,
                { IsBoolean: true } b => b.AsBoolean,
                var n => n.AsDouble,
            };
        var ticks = long.Parse(doc["_id"].AsString.AsSpan(0, 19), CultureInfo.InvariantCulture);
        return new LoggedPrediction(key[..slash], int.Parse(key.AsSpan(slash + 1), CultureInfo.InvariantCulture), new DateTime(ticks, DateTimeKind.Utc),
            doc["s"].AsString, inputs, doc["l"].AsString,
            doc.TryGetValue("sc", out var sc) ? sc.AsDouble : null,
            doc.TryGetValue("p", out var pr) ? pr.AsDouble : null);
    }
}
