using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MlOps.Data;
using MlOps.Tracking;

namespace MlOps.Server.Tests;

/// <summary>Real cwurData rows shaped as MLflow requests, and a POST that returns status, body and the answering version.</summary>
internal static class Requests
{
    /// <summary>Rows spread over the file: the signature's columns (numbers as JSON numbers, categories as text) plus <paramref name="extra"/> columns.</summary>
    public static (List<string> Columns, List<object?[]> Rows) Sample(IReadOnlyList<SchemaColumn> signature, int count, params string[] extra)
    {
        var table = TableLoader.LoadCsv(ServedModel.Rankings);
        var columns = signature.Select(c => c.Name).Concat(extra).ToList();
        var rows = Enumerable.Range(0, count).Select(i => i * 37 % table.RowCount).Select(r => columns.Select(c =>
        {
            var text = table[c].GetText(r);
            var isNumber = signature.Any(s => s.Name == c && s.Type == "number");
            return text is null ? null : isNumber ? double.Parse(text, CultureInfo.InvariantCulture) : (object)text;
        }).ToArray()).ToList();
        return (columns, rows);
    }

    public static JsonNode? Node(object? cell) => cell switch { null => null, double d => JsonValue.Create(d), _ => JsonValue.Create((string)cell) };

    public static JsonArray Records(List<string> columns, List<object?[]> rows) =>
        new(rows.Select(r => (JsonNode?)new JsonObject(columns.Select((c, i) => KeyValuePair.Create(c, Node(r[i]))))).ToArray());

    public static string SplitBody(List<string> columns, List<object?[]> rows) => new JsonObject
    {
        ["dataframe_split"] = new JsonObject
        {
            ["columns"] = new JsonArray(columns.Select(c => (JsonNode?)c).ToArray()),
            ["data"] = new JsonArray(rows.Select(r => (JsonNode?)new JsonArray(r.Select(Node).ToArray())).ToArray()),
        },
    }.ToJsonString();

    public static string RecordsBody(List<string> columns, List<object?[]> rows) => new JsonObject { ["dataframe_records"] = Records(columns, rows) }.ToJsonString();

    public static async Task<(HttpStatusCode Status, JsonNode? Body, int? Version)> Post(HttpClient client, string url, string body, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url + "/invocations") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        int? version = response.Headers.TryGetValues("X-Model-Version", out var values) ? int.Parse(values.Single(), CultureInfo.InvariantCulture) : null;
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), version);
    }

    public static async Task<JsonNode> Get(HttpClient client, string url, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }
}
