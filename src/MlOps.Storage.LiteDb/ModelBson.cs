using LiteDB;
using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Storage.LiteDb;

/// <summary>
/// Explicit ModelVersion/Transition/GateRun ⇄ BsonDocument mapping (same conventions as <see cref="RunBson"/>).
/// Ids are "&lt;model&gt;/&lt;number&gt;": model names cannot contain '/', so the ids never collide.
/// </summary>
internal static class ModelBson
{
    public static string VersionId(string model, int version) => $"{model}/{version}";

    public static string SequenceId(string model, long sequence) => $"{model}/{sequence:D12}";

    public static BsonDocument ToBson(ModelVersion v)
    {
        var metrics = new BsonArray(v.Metrics.Select(m => new BsonDocument { ["k"] = m.Key, ["v"] = m.Value }));
        var doc = new BsonDocument
        {
            ["_id"] = VersionId(v.Model, v.Version),
            ["model"] = v.Model,
            ["version"] = v.Version,
            ["run"] = v.RunId,
            ["exp"] = v.Experiment,
            ["task"] = v.Task,
            ["trainer"] = v.Trainer,
            ["artifact"] = RunBson.Artifact(v.Artifact),
            ["featurizerCode"] = v.FeaturizerCodeHash,
            ["signature"] = RunBson.Columns(v.Signature),
            ["metrics"] = metrics,
            ["params"] = RunBson.Pairs(v.Params),
            ["description"] = v.Description,
            ["stage"] = v.Stage.ToString(),
            ["aliases"] = new BsonArray(v.Aliases.Select(a => new BsonValue(a))),
            ["created"] = v.CreatedAt.UtcTicks,
            ["createdOffset"] = (int)v.CreatedAt.Offset.TotalMinutes,
            ["createdBy"] = v.CreatedBy,
        };
        if (v.Featurizer is { } f) doc["featurizer"] = RunBson.Artifact(f);
        if (v.Data is { } data)
            doc["data"] = new BsonDocument { ["sha"] = data.Sha256, ["rows"] = data.Rows, ["columns"] = RunBson.Columns(data.Columns) };
        return doc;
    }

    public static ModelVersion ToVersion(BsonDocument doc) => new()
    {
        Model = doc["model"].AsString,
        Version = doc["version"].AsInt32,
        RunId = doc["run"].AsString,
        Experiment = doc["exp"].AsString,
        Task = doc["task"].AsString,
        Trainer = doc["trainer"].AsString,
        Artifact = RunBson.FromArtifact(doc["artifact"]),
        Featurizer = doc.TryGetValue("featurizer", out var f) ? RunBson.FromArtifact(f) : null,
        FeaturizerCodeHash = doc["featurizerCode"].AsString,
        Signature = RunBson.FromColumns(doc["signature"]),
        // Metrics as [k, v] pairs: they are never queried here, and any name survives unescaped.
        Metrics = doc["metrics"].AsArray.ToDictionary(p => p["k"].AsString, p => p["v"].AsDouble),
        Params = RunBson.FromPairs(doc["params"]),
        Data = doc.TryGetValue("data", out var data)
            ? new DataFingerprint(data["sha"].AsString, data["rows"].AsInt32, RunBson.FromColumns(data["columns"]))
            : null,
        Description = doc["description"].AsString,
        Stage = Enum.Parse<ModelStage>(doc["stage"].AsString),
        Aliases = doc["aliases"].AsArray.Select(a => a.AsString).ToList(),
        CreatedAt = RunBson.Time(doc["created"], doc["createdOffset"]),
        CreatedBy = doc["createdBy"].AsString,
    };

    public static BsonDocument ToBson(Transition t) => new()
    {
        ["_id"] = SequenceId(t.Model, t.Sequence),
        ["model"] = t.Model,
        ["version"] = t.Version,
        ["seq"] = t.Sequence,
        ["from"] = t.From.ToString(),
        ["to"] = t.To.ToString(),
        ["at"] = t.At.UtcTicks,
        ["atOffset"] = (int)t.At.Offset.TotalMinutes,
        ["by"] = t.By,
        ["reason"] = t.Reason,
        ["gates"] = Gates(t.Gates),
    };

    public static Transition ToTransition(BsonDocument doc) => new()
    {
        Model = doc["model"].AsString,
        Version = doc["version"].AsInt32,
        Sequence = doc["seq"].AsInt64,
        From = Enum.Parse<ModelStage>(doc["from"].AsString),
        To = Enum.Parse<ModelStage>(doc["to"].AsString),
        At = RunBson.Time(doc["at"], doc["atOffset"]),
        By = doc["by"].AsString,
        Reason = doc["reason"].AsString,
        Gates = FromGates(doc["gates"]),
    };

    public static BsonDocument ToBson(GateRun g, long sequence) => new()
    {
        ["_id"] = SequenceId(g.Model, sequence),
        ["model"] = g.Model,
        ["version"] = g.Version,
        ["seq"] = sequence,
        ["target"] = g.Target.ToString(),
        ["at"] = g.At.UtcTicks,
        ["atOffset"] = (int)g.At.Offset.TotalMinutes,
        ["by"] = g.By,
        ["purpose"] = g.Purpose,
        ["results"] = Gates(g.Results),
    };

    public static GateRun ToGateRun(BsonDocument doc) => new()
    {
        Model = doc["model"].AsString,
        Version = doc["version"].AsInt32,
        Target = Enum.Parse<ModelStage>(doc["target"].AsString),
        At = RunBson.Time(doc["at"], doc["atOffset"]),
        By = doc["by"].AsString,
        Purpose = doc["purpose"].AsString,
        Results = FromGates(doc["results"]),
    };

    private static BsonArray Gates(IReadOnlyList<GateResult> gates) =>
        new(gates.Select(g => new BsonDocument { ["name"] = g.Name, ["passed"] = g.Passed, ["detail"] = g.Detail }));

    private static List<GateResult> FromGates(BsonValue gates) =>
        gates.AsArray.Select(g => new GateResult(g["name"].AsString, g["passed"].AsBoolean, g["detail"].AsString)).ToList();
}
