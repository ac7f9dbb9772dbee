using LiteDB;
using MlOps.Tracking;

namespace MlOps.Storage.LiteDb;

/// <summary>
/// Explicit Run/RunDetails/StageCacheEntry ⇄ BsonDocument mapping. Hand-written because the domain types are
/// init-only records with read-only dictionaries, and because field layout matters for indexes:
/// metrics are a sub-document with escaped keys (indexable), other maps are [k, v] pairs (any key survives).
/// </summary>
internal static class RunBson
{
    public const string MetricsField = "metrics";
    public const string StartedField = "started";
    public const string ExperimentField = "exp";

    public static string MetricPath(string metric) => $"$.{MetricsField}.{FieldName.Escape(metric)}";

    public static BsonDocument ToBson(Run run)
    {
        var metrics = new BsonDocument();
        foreach (var (name, value) in run.Metrics)
            metrics[FieldName.Escape(name)] = value;

        var doc = new BsonDocument
        {
            ["_id"] = run.Id,
            [ExperimentField] = run.Experiment,
            ["status"] = run.Status.ToString(),
            [StartedField] = run.StartedAt.UtcTicks,
            ["startedOffset"] = (int)run.StartedAt.Offset.TotalMinutes,
            ["task"] = run.Task,
            ["trainer"] = run.Trainer,
            ["params"] = Pairs(run.Params),
            ["trainerOptions"] = Pairs(run.TrainerOptions),
            [MetricsField] = metrics,
            ["stages"] = new BsonArray(run.Stages.Select(s => new BsonDocument
            {
                ["name"] = s.Name, ["key"] = s.Key, ["cached"] = s.Cached, ["seconds"] = s.Seconds,
            })),
            ["featurizerCode"] = run.FeaturizerCodeHash,
            ["signature"] = Columns(run.Signature),
            ["runKey"] = run.RunKey,
            ["mlnet"] = run.MlNetVersion,
            ["runtime"] = run.RuntimeVersion,
            ["tags"] = Pairs(run.Tags),
        };
        if (run.EndedAt is { } ended)
        {
            doc["ended"] = ended.UtcTicks;
            doc["endedOffset"] = (int)ended.Offset.TotalMinutes;
        }
        if (run.Error is not null) doc["error"] = run.Error;
        if (run.Data is { } data)
            doc["data"] = new BsonDocument { ["sha"] = data.Sha256, ["rows"] = data.Rows, ["columns"] = Columns(data.Columns) };
        if (run.Model is { } model) doc["model"] = Artifact(model);
        if (run.Featurizer is { } featurizer) doc["featurizer"] = Artifact(featurizer);
        return doc;
    }

    public static Run ToRun(BsonDocument doc)
    {
        var metrics = new Dictionary<string, double>();
        foreach (var (field, value) in doc[MetricsField].AsDocument)
            metrics[FieldName.Unescape(field)] = value.AsDouble;

        return new Run
        {
            Id = doc["_id"].AsString,
            Experiment = doc[ExperimentField].AsString,
            Status = Enum.Parse<RunStatus>(doc["status"].AsString),
            StartedAt = Time(doc[StartedField], doc["startedOffset"]),
            EndedAt = doc.TryGetValue("ended", out var ended) ? Time(ended, doc["endedOffset"]) : null,
            Error = doc.TryGetValue("error", out var error) ? error.AsString : null,
            Task = doc["task"].AsString,
            Trainer = doc["trainer"].AsString,
            Params = FromPairs(doc["params"]),
            TrainerOptions = FromPairs(doc["trainerOptions"]),
            Metrics = metrics,
            Stages = doc["stages"].AsArray
                .Select(s => new StageRecord(s["name"].AsString, s["key"].AsString, s["cached"].AsBoolean, s["seconds"].AsDouble))
                .ToList(),
            Data = doc.TryGetValue("data", out var data)
                ? new DataFingerprint(data["sha"].AsString, data["rows"].AsInt32, FromColumns(data["columns"]))
                : null,
            FeaturizerCodeHash = doc["featurizerCode"].AsString,
            Model = doc.TryGetValue("model", out var model) ? FromArtifact(model) : null,
            Featurizer = doc.TryGetValue("featurizer", out var featurizer) ? FromArtifact(featurizer) : null,
            Signature = FromColumns(doc["signature"]),
            RunKey = doc["runKey"].AsString,
            MlNetVersion = doc["mlnet"].AsString,
            RuntimeVersion = doc["runtime"].AsString,
            Tags = FromPairs(doc["tags"]),
        };
    }

    public static BsonDocument ToBson(RunDetails details) => new()
    {
        ["_id"] = details.RunId,
        ["roc"] = Points(details.Roc),
        ["pr"] = Points(details.PrecisionRecall),
        ["residuals"] = Points(details.Residuals),
        ["confusion"] = details.Confusion is { } confusion
            ? new BsonDocument
            {
                ["labels"] = new BsonArray(confusion.Labels.Select(l => new BsonValue(l))),
                ["counts"] = new BsonArray(confusion.Counts.Select(row => new BsonArray(row.Select(c => new BsonValue(c))))),
            }
            : BsonValue.Null,
        ["perClass"] = new BsonArray(details.PerClass.Select(p => new BsonDocument
        {
            ["k"] = p.Key, ["precision"] = p.Value.Precision, ["recall"] = p.Value.Recall,
        })),
        ["importance"] = new BsonArray(details.FeatureImportance.Select(p => new BsonDocument { ["k"] = p.Key, ["v"] = p.Value })),
    };

    public static RunDetails ToDetails(BsonDocument doc) => new()
    {
        RunId = doc["_id"].AsString,
        Roc = FromPoints(doc["roc"]),
        PrecisionRecall = FromPoints(doc["pr"]),
        Residuals = FromPoints(doc["residuals"]),
        Confusion = doc["confusion"].IsDocument
            ? new ConfusionMatrix(
                doc["confusion"]["labels"].AsArray.Select(l => l.AsString).ToList(),
                doc["confusion"]["counts"].AsArray.Select(row => (IReadOnlyList<long>)row.AsArray.Select(c => c.AsInt64).ToList()).ToList())
            : null,
        PerClass = doc["perClass"].AsArray.ToDictionary(p => p["k"].AsString, p => new ClassMetrics(p["precision"].AsDouble, p["recall"].AsDouble)),
        FeatureImportance = doc["importance"].AsArray.ToDictionary(p => p["k"].AsString, p => p["v"].AsDouble),
    };

    public static BsonDocument ToBson(StageCacheEntry entry)
    {
        var doc = new BsonDocument
        {
            ["_id"] = entry.Key,
            ["stage"] = entry.Stage,
            ["facts"] = Pairs(entry.Facts),
            ["runId"] = entry.RunId,
            ["created"] = entry.CreatedAt.UtcTicks,
            ["createdOffset"] = (int)entry.CreatedAt.Offset.TotalMinutes,
        };
        if (entry.Output is { } output) doc["output"] = Artifact(output);
        return doc;
    }

    public static StageCacheEntry ToStage(BsonDocument doc) => new()
    {
        Key = doc["_id"].AsString,
        Stage = doc["stage"].AsString,
        Output = doc.TryGetValue("output", out var output) ? FromArtifact(output) : null,
        Facts = FromPairs(doc["facts"]),
        RunId = doc["runId"].AsString,
        CreatedAt = Time(doc["created"], doc["createdOffset"]),
    };

    // Stored as UTC ticks (sortable, exact) plus the original offset so the value round-trips unchanged.
    internal static DateTimeOffset Time(BsonValue utcTicks, BsonValue offsetMinutes)
    {
        var offset = TimeSpan.FromMinutes(offsetMinutes.AsInt32);
        return new DateTimeOffset(utcTicks.AsInt64 + offset.Ticks, offset);
    }

    internal static BsonArray Pairs(IReadOnlyDictionary<string, string> map) =>
        new(map.Select(p => new BsonDocument { ["k"] = p.Key, ["v"] = p.Value }));

    internal static Dictionary<string, string> FromPairs(BsonValue pairs) =>
        pairs.AsArray.ToDictionary(p => p["k"].AsString, p => p["v"].AsString);

    internal static BsonArray Columns(IReadOnlyList<SchemaColumn> columns) =>
        new(columns.Select(c => new BsonDocument { ["name"] = c.Name, ["type"] = c.Type }));

    internal static List<SchemaColumn> FromColumns(BsonValue columns) =>
        columns.AsArray.Select(c => new SchemaColumn(c["name"].AsString, c["type"].AsString)).ToList();

    internal static BsonDocument Artifact(ArtifactRef artifact) =>
        new() { ["sha"] = artifact.Sha256, ["bytes"] = artifact.Bytes, ["kind"] = artifact.Kind };

    internal static ArtifactRef FromArtifact(BsonValue doc) => new(doc["sha"].AsString, doc["bytes"].AsInt64, doc["kind"].AsString);

    // Curves can hold thousands of points: [x, y, threshold] triples keep them compact.
    private static BsonArray Points(IReadOnlyList<CurvePoint> points) =>
        new(points.Select(p => new BsonArray(new BsonValue(p.X), new BsonValue(p.Y), new BsonValue(p.Threshold))));

    private static List<CurvePoint> FromPoints(BsonValue points) =>
        points.AsArray.Select(p => new CurvePoint(p[0].AsDouble, p[1].AsDouble, p[2].AsDouble)).ToList();
}
