using System.Text.Json;
using System.Text.Json.Nodes;
using MlOps.Pipeline;
using MlOps.Tracking;

namespace MlOps.Cli;

/// <summary>
/// The `--json` shapes: a public contract that users' scripts rely on (field names and meanings never change;
/// new fields may be added).
/// </summary>
internal static class JsonShapes
{
    // Relaxed escaping keeps gate names such as "auc >= 0.95" readable in the output (still valid JSON).
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(JsonNode node) => node.ToJsonString(Options);

    public static JsonObject Run(Run run, string? status = null, bool? best = null, IEnumerable<string>? notes = null)
    {
        var json = new JsonObject
        {
            ["id"] = run.Id,
            ["experiment"] = run.Experiment,
            ["status"] = status ?? run.Status.ToString().ToLowerInvariant(),
            ["trainer"] = run.Trainer,
            ["task"] = run.Task,
            ["params"] = new JsonObject(run.Params.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
            ["metrics"] = Metrics(run.Metrics),
            ["stages"] = new JsonArray(run.Stages.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name, ["cached"] = s.Cached, ["seconds"] = Math.Round(s.Seconds, 4), ["key"] = s.Key,
            }).ToArray()),
            ["error"] = run.Error,
            ["startedAt"] = run.StartedAt.ToString("O"),
            ["endedAt"] = run.EndedAt?.ToString("O"),
            ["model"] = run.Model is { } m ? new JsonObject { ["sha256"] = m.Sha256, ["bytes"] = m.Bytes } : null,
            ["data"] = run.Data is { } d ? new JsonObject { ["sha256"] = d.Sha256, ["rows"] = d.Rows } : null,
        };
        if (best is not null)
            json["best"] = best;
        if (notes is not null)
            json["notes"] = new JsonArray(notes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
        return json;
    }

    public static JsonObject Outcome(RunOutcome outcome) => Run(outcome.Run, outcome.Status, outcome.IsBest, outcome.Notes);

    public static JsonObject Metrics(IReadOnlyDictionary<string, double> metrics) =>
        new(metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => KeyValuePair.Create(m.Key, Number(m.Value))));

    /// <summary>JSON has no NaN: missing or undefined metrics are null.</summary>
    public static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, 6)) : null;

    public static JsonNode? Number(double? value) => value is { } v ? Number(v) : null;

    public static JsonObject Details(RunDetails details) =>
        JsonNode.Parse(JsonSerializer.Serialize(details, new JsonSerializerOptions
        {
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        }))!.AsObject();
}
