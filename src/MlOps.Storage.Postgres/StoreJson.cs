using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlOps.Storage.Postgres;

/// <summary>How records become the <c>doc jsonb</c> column and back: whole, exact (round-trip doubles, NaN as a string), enums by name.</summary>
internal static class StoreJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new MlOpsException($"A stored {typeof(T).Name} is empty (null JSON); the store may have been edited by hand.");
}
