using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Storage;

/// <summary>
/// What "the same records" means for a migration: per kind, the number of records and a SHA-256 over the canonical JSON
/// of every record (one line each) read through the store's interfaces in a fixed order. Canonical: object keys sorted,
/// enums by name, times as UTC instants, computed properties left out, list order kept. Records are sorted by their key;
/// gate runs and catalog records keep the store's order (their order is part of the record), and logged predictions
/// stream in time order with records of the same instant sorted by their JSON.
/// </summary>
public static class StoreDigest
{
    public const string Runs = "runs", Details = "run-details", Stages = "stages", Models = "models", Versions = "model-versions",
        Transitions = "transitions", GateRuns = "gate-runs", Deployments = "deployments", Predictions = "predictions",
        Profiles = "profiles", Checks = "checks", Decisions = "decisions", Catalog = "catalog";

    /// <summary>Every kind, in the order a migration copies and reports them.</summary>
    public static IReadOnlyList<string> Kinds { get; } =
        [Runs, Details, Stages, Models, Versions, Transitions, GateRuns, Deployments, Predictions, Profiles, Checks, Decisions, Catalog];

    /// <summary>
    /// The models a store knows: registered ones, and those named by deployments or catalog records. Prediction logs and
    /// monitoring records are read per model, so these are the models whose logs a migration copies.
    /// </summary>
    public static IReadOnlyList<string> ModelsOf(IMlOpsStore store) =>
        store.ListModels().Select(m => m.Name)
            .Concat(store.ListDeployments().Select(d => d.Model))
            .Concat(store.ReadRecords().Select(r => r.Model))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    public static (long Count, string Sha256) Of(IMlOpsStore store, string kind)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long count = 0;
        foreach (var line in Lines(store, kind))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(line));
            sha.AppendData("\n"u8);
            count++;
        }
        return (count, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    private static IEnumerable<string> Lines(IMlOpsStore store, string kind)
    {
        var models = new Lazy<IReadOnlyList<string>>(() => ModelsOf(store));
        var registered = new Lazy<List<string>>(() => store.ListModels().Select(m => m.Name).Order(StringComparer.Ordinal).ToList());
        return kind switch
        {
            Runs => Sorted(store.QueryRuns(new RunQuery()), r => r.Id),
            Details => store.QueryRuns(new RunQuery()).Select(r => r.Id).Order(StringComparer.Ordinal)
                .Select(store.FindDetails).OfType<RunDetails>().Select(Canonical),
            Stages => Sorted(store.ListStages(), s => s.Key),
            Models => Sorted(store.ListModels(), m => m.Name),
            Versions => registered.Value.SelectMany(m => store.ListVersions(m).OrderBy(v => v.Version)).Select(Canonical),
            Transitions => registered.Value.SelectMany(m => store.History(m).OrderBy(t => t.Sequence)).Select(Canonical),
            GateRuns => registered.Value.SelectMany(m => store.GateRuns(m)).Select(Canonical),
            Deployments => Sorted(store.ListDeployments(), d => d.Id),
            Predictions => models.Value.SelectMany(m => PredictionLines(store.ReadPredictions(m))),
            Profiles => registered.Value.SelectMany(m => store.ListVersions(m).OrderBy(v => v.Version).Select(v => store.FindProfile(m, v.Version)))
                .OfType<Monitoring.ReferenceProfile>().Select(Canonical),
            Checks => models.Value.SelectMany(m => store.ListChecks(m).OrderBy(c => c.Version).ThenBy(c => c.WindowId, StringComparer.Ordinal)).Select(Canonical),
            Decisions => models.Value.SelectMany(m => Sorted(store.ListDecisions(m), d => d.Id)),
            Catalog => store.ReadRecords().Select(Canonical),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a record kind"),
        };
    }

    private static IEnumerable<string> Sorted<T>(IEnumerable<T> records, Func<T, string> key) =>
        records.OrderBy(key, StringComparer.Ordinal).Select(Canonical);

    /// <summary>Streamed: only the records of one instant are held, to sort them (stores may order ties differently).</summary>
    private static IEnumerable<string> PredictionLines(IEnumerable<LoggedPrediction> predictions)
    {
        var group = new List<string>();
        DateTime? at = null;
        foreach (var prediction in predictions)
        {
            var utc = Utc(prediction.Timestamp);
            if (at != utc)
            {
                foreach (var line in group.Order(StringComparer.Ordinal)) yield return line;
                group.Clear();
                at = utc;
            }
            group.Add(Canonical(prediction));
        }
        foreach (var line in group.Order(StringComparer.Ordinal)) yield return line;
    }

    private static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(), new UtcDateTime(), new UtcDateTimeOffset() },
        // Only stored data: a get-only property is computed (Deployment.IsRunning asks the OS about a process).
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                info =>
                {
                    if (info.Kind != JsonTypeInfoKind.Object) return;
                    foreach (var property in info.Properties.Where(p => p.Set is null).ToList())
                        info.Properties.Remove(property);
                },
            },
        },
    };

    /// <summary>The canonical JSON of one record (public so tests and tools can compare records the same way).</summary>
    public static string Canonical<T>(T record) => Sort(JsonSerializer.SerializeToNode(record, Options))?.ToJsonString() ?? "null";

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sort(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sort).ToArray()),
        _ => node?.DeepClone(),
    };

    // A store may hand back a UTC instant as Utc, Local or Unspecified (meaning UTC); the instant is what is compared.
    private static DateTime Utc(DateTime value) => value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private sealed class UtcDateTime : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDateTime();

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) => writer.WriteStringValue(Utc(value).ToString("O"));
    }

    private sealed class UtcDateTimeOffset : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value.UtcDateTime.ToString("O"));
    }
}
