using System.Text.Json;
using MlOps.Tracking;

namespace MlOps.Server;

/// <summary>A ready-to-send request for a served version, built from its signature: shown by every surface that starts a server.</summary>
public static class SampleRequest
{
    /// <summary>One row in MLflow's dataframe_split format: 0 for numbers, "text" for categories.</summary>
    public static string Json(IReadOnlyList<SchemaColumn> signature) => JsonSerializer.Serialize(new
    {
        dataframe_split = new
        {
            columns = signature.Select(c => c.Name).ToArray(),
            data = new[] { signature.Select(c => c.Type == "number" ? (object)0 : "text").ToArray() },
        },
    });

    /// <summary>A curl command line; the token is read from <paramref name="tokenVariable"/> rather than printed.</summary>
    public static string Curl(IReadOnlyList<SchemaColumn> signature, string url, string? tokenVariable = null)
    {
        var auth = tokenVariable is null ? "" : $" -H \"Authorization: Bearer ${tokenVariable}\"";
        return $"curl -s -X POST {url}/invocations -H 'Content-Type: application/json'{auth} -d '{Json(signature)}'";
    }
}
