using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlOps.Serving;

namespace MlOps.Server.Tests;

public sealed class InvocationTests(ServedModel served) : IClassFixture<ServedModel>
{
    /// <summary>Real cwurData rows: signature columns plus "institution", an extra column.</summary>
    private (List<string> Columns, List<object?[]> Rows) SampleRows(int count = 12) => Requests.Sample(served.Scorer.Signature, count, "institution");

    private static JsonNode? Node(object? cell) => Requests.Node(cell);

    private async Task<(HttpStatusCode Status, JsonNode? Body)> Post(ModelServer server, string body, bool token = true)
    {
        var (status, json, _) = await Requests.Post(served.Client, server.Url, body, token ? ServedModel.Token : null);
        return (status, json);
    }

    private void AssertSameAsEngine(List<string> columns, List<object?[]> rows, JsonNode? body)
    {
        var expected = served.Scorer.Score(new ScoringInput(columns, rows));
        var actual = body!["predictions"]!.AsArray();
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal((bool)expected[i].Label, actual[i]!["label"]!.GetValue<bool>());
            // The model's floats, written as floats: the shortest text that reads back as that float, as batch scoring writes them.
            Assert.Equal(((float)expected[i].Probability!.Value).ToString("R", CultureInfo.InvariantCulture), actual[i]!["probability"]!.ToJsonString());
            Assert.Equal(((float)expected[i].Score!.Value).ToString("R", CultureInfo.InvariantCulture), actual[i]!["score"]!.ToJsonString());
        }
    }

    [Fact]
    public async Task Dataframe_split_gives_the_engines_own_predictions()
    {
        var (columns, rows) = SampleRows();
        var (status, json) = await Post(served.Server, Requests.SplitBody(columns, rows));
        Assert.Equal(HttpStatusCode.OK, status);
        AssertSameAsEngine(columns, rows, json);
        Assert.Contains(json!["predictions"]!.AsArray(), p => p!["label"]!.GetValue<bool>());
    }

    /// <summary>The signature's columns only, in reverse order, with a missing number and a missing category.</summary>
    private (List<string> Columns, List<object?[]> Rows) SignatureOnly(int count)
    {
        var (columns, rows) = Requests.Sample(served.Scorer.Signature, count);
        columns.Reverse();
        rows = rows.Select(r => r.Reverse().ToArray()).ToList();
        rows[0][columns.IndexOf(served.Scorer.Signature.First(c => c.Type == "number").Name)] = null;
        rows[^1][columns.IndexOf("country")] = null;
        return (columns, rows);
    }

    [Fact]
    public async Task Dataframe_split_with_just_the_signatures_columns_is_read_directly_and_answers_as_the_engine()
    {
        var (columns, rows) = SignatureOnly(12);
        var body = Requests.SplitBody(columns, rows);
        using (var lease = new ScorerLeaseScope(served.Scorer))
            Assert.NotNull(InvocationParser.TryReadSplit(System.Text.Encoding.UTF8.GetBytes(body), lease.Lease));
        var (status, json) = await Post(served.Server, body);
        Assert.Equal(HttpStatusCode.OK, status);
        AssertSameAsEngine(columns, rows, json);
    }

    /// <summary>Bodies the direct reader leaves to the general parser (null), and ones it reads: it must never answer differently.</summary>
    [Theory]
    [InlineData(true, "")]
    [InlineData(true, ", \"index\": [0, 1]")]
    [InlineData(false, ", \"data\": []")]
    public void The_direct_reader_reads_what_the_general_parser_reads_or_leaves_it(bool read, string tail)
    {
        var (columns, rows) = SignatureOnly(2);
        var split = Requests.SplitBody(columns, rows);
        var body = split[..^2] + tail + "}}";
        using var lease = new ScorerLeaseScope(served.Scorer);
        var direct = InvocationParser.TryReadSplit(System.Text.Encoding.UTF8.GetBytes(body), lease.Lease);
        Assert.Equal(read, direct is not null);
        if (direct is var (signatureRows, header))
        {
            using var document = JsonDocument.Parse(body);
            var general = InvocationParser.Parse(document.RootElement, served.Scorer.Signature.Select(c => c.Name).ToList());
            Assert.Equal(served.Scorer.Score(general), served.Scorer.Score(signatureRows));
            var logged = signatureRows.ToScoringInput(header.Names, header.Positions);
            Assert.Equal(general.Columns, logged.Columns);
            Assert.Equal(general.Rows.Select(r => string.Join("|", r)), logged.Rows.Select(r => string.Join("|", r)));
        }
        // Everything but the plainest form goes to the general parser, which validates and words the errors.
        var country = columns.IndexOf("country");
        string With(Func<object?[], object?[]> change) => Requests.SplitBody(columns, rows.Select(r => change((object?[])r.Clone())).ToList());
        var firstNull = split.IndexOf("null", StringComparison.Ordinal);
        foreach (var other in new[]
        {
            With(r => r[..^1]), // a short row
            With(r => { r[country] = 7.0; return r; }), // a number where a category belongs
            With(r => { r[0] = r[0] is double d ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : "1"; return r; }), // a number as text
            Requests.SplitBody([.. columns, "extra"], rows.Select(r => r.Append(1.0).ToArray()).ToList()), // an extra column
            "{\"dataframe_split\": {\"data\": [], " + split[(split.IndexOf("\"columns\"", StringComparison.Ordinal))..], // data before columns
            split + " x", // trailing text
            "{\"dataframe_split\": 1, " + split[1..], // the key twice
            split[..firstNull] + "true" + split[(firstNull + 4)..], // a boolean
        })
            Assert.Null(InvocationParser.TryReadSplit(System.Text.Encoding.UTF8.GetBytes(other), lease.Lease));
    }

    /// <summary>Whole numbers are read by the direct reader's own path, the rest by System.Text.Json: both must read what the general parser reads.</summary>
    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("-7")]
    [InlineData("123456789012345")] // 15 digits: the own path's longest
    [InlineData("-1234567890123456")] // 16: System.Text.Json's
    [InlineData("98765432109876543210")]
    [InlineData("12.5")]
    [InlineData("-2.5E-3")]
    [InlineData("1e3")]
    public void Number_cells_are_read_exactly_as_the_general_parser_reads_them(string number)
    {
        var (columns, rows) = SignatureOnly(1);
        var at = columns.IndexOf(served.Scorer.Signature.First(c => c.Type == "number").Name);
        rows[0][at] = 424242.0;
        var body = Requests.SplitBody(columns, rows).Replace("424242", number, StringComparison.Ordinal);
        using var lease = new ScorerLeaseScope(served.Scorer);
        var (direct, header) = InvocationParser.TryReadSplit(System.Text.Encoding.UTF8.GetBytes(body), lease.Lease)!.Value;
        using var document = JsonDocument.Parse(body);
        var general = InvocationParser.Parse(document.RootElement, served.Scorer.Signature.Select(c => c.Name).ToList());
        var read = (double)direct.ToScoringInput(header.Names, header.Positions).Rows[0][at]!;
        // Bit for bit: -0 keeps its sign.
        Assert.Equal(BitConverter.DoubleToInt64Bits((double)general.Rows[0][at]!), BitConverter.DoubleToInt64Bits(read));
        Assert.Equal(double.Parse(number, System.Globalization.CultureInfo.InvariantCulture), read);
    }

    /// <summary>A lease on a scorer the test owns (the lease does not dispose it).</summary>
    private sealed class ScorerLeaseScope(ModelScorer scorer) : IDisposable
    {
        public ScorerLease Lease { get; } = new(scorer, owned: false);

        public void Dispose() => Lease.Release();
    }

    private static JsonArray Records(List<string> columns, List<object?[]> rows) => Requests.Records(columns, rows);

    [Fact]
    public async Task Dataframe_records_gives_the_engines_own_predictions()
    {
        var (columns, rows) = SampleRows();
        var (status, json) = await Post(served.Server, new JsonObject { ["dataframe_records"] = Records(columns, rows) }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        AssertSameAsEngine(columns, rows, json);
    }

    [Fact]
    public async Task Instances_as_objects_or_as_arrays_in_signature_order_give_the_engines_own_predictions()
    {
        var (columns, rows) = SampleRows();
        var (status, json) = await Post(served.Server, new JsonObject { ["instances"] = Records(columns, rows) }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        AssertSameAsEngine(columns, rows, json);

        var signature = columns.Take(served.Scorer.Signature.Count).ToList();
        var positional = rows.Select(r => r.Take(signature.Count).ToArray()).ToList();
        var arrays = new JsonArray(positional.Select(r => (JsonNode?)new JsonArray(r.Select(Node).ToArray())).ToArray());
        (status, json) = await Post(served.Server, new JsonObject { ["instances"] = arrays }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        AssertSameAsEngine(signature, positional, json);
    }

    [Fact]
    public async Task Health_is_open_and_version_names_model_version_signature_and_hash()
    {
        using var health = await served.Client.GetAsync(served.Server.Url + "/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.StartsWith("http://127.0.0.1:", served.Server.Url);

        using var request = new HttpRequestMessage(HttpMethod.Get, served.Server.Url + "/version");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServedModel.Token);
        using var response = await served.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(ServedModel.Name, json["model"]!.GetValue<string>());
        Assert.Equal(served.Version.Version, json["version"]!.GetValue<int>());
        Assert.Equal("Production", json["stage"]!.GetValue<string>());
        Assert.Equal(served.Version.Artifact.Sha256, json["sha256"]!.GetValue<string>());
        Assert.Equal(served.Version.Signature.Select(c => c.Name + ":" + c.Type),
            json["signature"]!.AsArray().Select(c => c!["name"]!.GetValue<string>() + ":" + c["type"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Every_route_but_health_needs_the_bearer_token()
    {
        var (columns, rows) = SampleRows(1);
        var body = new JsonObject { ["dataframe_records"] = Records(columns, rows) }.ToJsonString();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(served.Server, body, token: false)).Status);
        using var version = await served.Client.GetAsync(served.Server.Url + "/version");
        Assert.Equal(HttpStatusCode.Unauthorized, version.StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, served.Server.Url + "/version");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServedModel.Token + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await served.Client.SendAsync(wrong)).StatusCode);
    }

    [Fact]
    public async Task A_missing_column_is_a_400_naming_it()
    {
        var (columns, rows) = SampleRows(2);
        var drop = served.Scorer.Signature.First(c => c.Type == "number").Name;
        var at = columns.IndexOf(drop);
        var kept = columns.Where((_, i) => i != at).ToList();
        var (status, json) = await Post(served.Server, new JsonObject { ["dataframe_records"] = Records(kept, rows.Select(r => r.Where((_, i) => i != at).ToArray()).ToList()) }.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains($"Missing column '{drop}'", json!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_wrong_type_is_a_400_naming_the_column()
    {
        var (columns, rows) = SampleRows(1);
        var number = served.Scorer.Signature.First(c => c.Type == "number").Name;
        rows[0][columns.IndexOf(number)] = "many";
        var (status, json) = await Post(served.Server, new JsonObject { ["dataframe_records"] = Records(columns, rows) }.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains($"Column '{number}' is a number", json!["message"]!.GetValue<string>());

        (columns, rows) = SampleRows(1);
        rows[0][columns.IndexOf("country")] = 7.0;
        (status, json) = await Post(served.Server, new JsonObject { ["dataframe_records"] = Records(columns, rows) }.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Column 'country' is a category", json!["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"dataframe_records\": [{\"a\": 1}")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[1, 2]")]
    [InlineData("{\"columns\": []}")]
    [InlineData("{\"dataframe_split\": {\"columns\": [\"a\"]}}")]
    [InlineData("{\"dataframe_records\": [{\"country\": {\"nested\": 1}}]}")]
    public async Task Malformed_bodies_are_400s_not_500s(string body)
    {
        var (status, json) = await Post(served.Server, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(string.IsNullOrWhiteSpace(json!["message"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_strict_server_refuses_an_extra_column_with_a_400_naming_it()
    {
        var (columns, rows) = SampleRows(1);
        var (status, json) = await Post(served.Strict, new JsonObject { ["dataframe_records"] = Records(columns, rows) }.ToJsonString(), token: false);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Column 'institution'", json!["message"]!.GetValue<string>());
        var signature = columns.Take(served.Scorer.Signature.Count).ToList();
        (status, _) = await Post(served.Strict, new JsonObject { ["dataframe_records"] = Records(signature, rows.Select(r => r.Take(signature.Count).ToArray()).ToList()) }.ToJsonString(), token: false);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_400_naming_the_limit_and_asking_for_fewer_rows()
    {
        var (columns, rows) = SampleRows(60);
        var body = new JsonObject { ["dataframe_records"] = Records(columns, rows) }.ToJsonString();
        Assert.True(body.Length > 2048);
        var (status, json) = await Post(served.Strict, body, token: false);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("REQUEST_TOO_LARGE", json!["error_code"]!.GetValue<string>());
        Assert.Contains("larger than the 2048 bytes this server accepts", json["message"]!.GetValue<string>());
        Assert.Contains("fewer rows", json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Eight_clients_times_fifty_requests_all_succeed_with_the_same_answer()
    {
        var (columns, rows) = SampleRows(3);
        var body = new JsonObject { ["dataframe_records"] = Records(columns, rows) }.ToJsonString();
        var expected = (await Post(served.Server, body)).Body!.ToJsonString();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var answers = new List<(HttpStatusCode, string)>();
            for (var i = 0; i < 50; i++)
            {
                var (status, json) = await Post(served.Server, body);
                answers.Add((status, json!.ToJsonString()));
            }
            return answers;
        })));
        Assert.All(results.SelectMany(r => r), a => Assert.Equal((HttpStatusCode.OK, expected), a));
        Assert.Equal(400, results.Sum(r => r.Count));
    }
}
