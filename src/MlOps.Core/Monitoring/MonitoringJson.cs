using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlOps.Monitoring;

/// <summary>The one JSON form of monitoring records (profiles, reports, decisions) for stores and the CLI's --json.</summary>
public static class MonitoringJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        // A metric can be NaN (undefined on a window); JSON has no NaN literal, so it is written as "NaN".
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Read<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new MlOpsException($"A stored {typeof(T).Name} is empty. Record it again.");
}
