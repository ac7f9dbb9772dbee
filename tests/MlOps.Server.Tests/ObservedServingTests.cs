using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using MlOps.Registry;
using MlOps.Serving;

namespace MlOps.Server.Tests;

/// <summary>What a server hands beside its answers: the prediction log, a shadow challenger, /metrics; and each task's answer shape.</summary>
public sealed class ObservedServingTests(DeploymentRuns runs) : IClassFixture<DeploymentRuns>, IDisposable
{
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(60) };

    public void Dispose() => _client.Dispose();

    private sealed class RecordingSink(bool fail = false) : IPredictionSink
    {
        public ConcurrentQueue<(ModelVersion Version, ScoringInput Input, IReadOnlyList<Prediction> Predictions, string Source)> Calls { get; } = new();

        public void Log(ModelVersion version, ScoringInput input, IReadOnlyList<Prediction> predictions, string source)
        {
            Calls.Enqueue((version, input, predictions, source));
            if (fail)
                throw new IOException("the log is full");
        }
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        for (var i = 0; i < 600 && !condition(); i++)
            await Task.Delay(50);
        Assert.True(condition(), what);
    }

    private static List<float> Probabilities(JsonNode body) => body["predictions"]!.AsArray().Select(p => p!["probability"]!.GetValue<float>()).ToList();

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the signature's columns as dataframe_split: read straight into typed rows
    public async Task The_shadow_scores_the_same_rows_off_the_request_path_and_the_answer_is_the_primarys(bool split)
    {
        var model = runs.NewModel(runs.Few, runs.Many);
        using var primary = runs.Load(model, 1);
        using var shadow = runs.Load(model, 2);
        var sink = new RecordingSink();
        await using var server = await ModelServer.StartAsync(new ModelServerOptions { Scorer = primary, Shadow = shadow, PredictionLog = sink, Port = 0 });
        var (columns, rows) = Requests.Sample(primary.Signature, 4);
        var input = new ScoringInput(columns, rows);
        for (var i = 0; i < 3; i++)
        {
            var (status, body, version) = await Requests.Post(_client, server.Url, split ? Requests.SplitBody(columns, rows) : Requests.RecordsBody(columns, rows));
            Assert.Equal((HttpStatusCode.OK, 1), (status, version));
            Assert.Equal(primary.Score(input).Select(p => (float)p.Probability!.Value), Probabilities(body!));
        }
        await Until(() => sink.Calls.Count(c => c.Source == "shadow") == 3, "the shadow did not score the three requests");
        var served = sink.Calls.Where(c => c.Source == "serve").ToList();
        var shadowed = sink.Calls.Where(c => c.Source == "shadow").ToList();
        Assert.Equal(3, served.Count);
        Assert.All(served, c => Assert.Equal((1, true), (c.Version.Version, primary.Score(input).SequenceEqual(c.Predictions))));
        Assert.All(shadowed, c => Assert.Equal((2, true), (c.Version.Version, shadow.Score(input).SequenceEqual(c.Predictions))));
        Assert.All(shadowed, c => Assert.Equal(input.Rows.Select(r => string.Join("|", r)), c.Input.Rows.Select(r => string.Join("|", r))));
        Assert.All(served, c => Assert.Equal(columns, c.Input.Columns));
        Assert.All(served, c => Assert.Equal(input.Rows.Select(r => string.Join("|", r)), c.Input.Rows.Select(r => string.Join("|", r))));
        Assert.NotEqual(primary.Score(input), shadow.Score(input));
        var stats = server.Stats;
        Assert.Equal((2, 3L, 0L, 0L), (stats.ShadowVersion, stats.ShadowScored, stats.ShadowFailed, stats.ShadowDropped));
    }

    [Fact]
    public async Task A_failing_shadow_or_prediction_log_is_counted_and_never_changes_the_answer()
    {
        var model = runs.NewModel(runs.Few, runs.Many);
        using var primary = runs.Load(model, 1);
        // The strict shadow refuses the extra column the lenient primary ignores: it fails on every request.
        using var shadow = runs.Load(model, 2, new ScorerOptions { AllowExtraColumns = false });
        await using var server = await ModelServer.StartAsync(new ModelServerOptions
        {
            Scorer = primary, Shadow = shadow, PredictionLog = new RecordingSink(fail: true), Port = 0,
        });
        var (columns, rows) = Requests.Sample(primary.Signature, 3, "institution");
        var (status, body, _) = await Requests.Post(_client, server.Url, Requests.RecordsBody(columns, rows));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(primary.Score(new ScoringInput(columns, rows)).Select(p => (float)p.Probability!.Value), Probabilities(body!));
        await Until(() => server.Stats.ShadowFailed == 1, "the shadow failure was not counted");
        Assert.Equal((0L, 1L, 1L), (server.Stats.ShadowScored, server.Stats.PredictionLogFailures, server.Stats.Status5xx + 1));
    }

    [Fact]
    public async Task Metrics_count_requests_by_status_class_with_sane_latency_percentiles()
    {
        var model = runs.NewModel(runs.Few);
        using var scorer = runs.Load(model, 1);
        await using var server = await ModelServer.StartAsync(new ModelServerOptions { Scorer = scorer, Port = 0, Token = "t" });
        var (columns, rows) = Requests.Sample(scorer.Signature, 3);
        for (var i = 0; i < 20; i++)
            Assert.Equal(HttpStatusCode.OK, (await Requests.Post(_client, server.Url, Requests.RecordsBody(columns, rows), "t")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Requests.Post(_client, server.Url, "{\"dataframe_records\": 1}", "t")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Requests.Post(_client, server.Url, "{}")).Status);
        using (var open = await _client.GetAsync(server.Url + "/metrics"))
            Assert.Equal(HttpStatusCode.Unauthorized, open.StatusCode);

        var metrics = await Requests.Get(_client, server.Url + "/metrics", "t");
        Assert.Equal((22L, 20L, 2L, 0L), (metrics["requests"]!.GetValue<long>(), metrics["status2xx"]!.GetValue<long>(),
            metrics["status4xx"]!.GetValue<long>(), metrics["status5xx"]!.GetValue<long>()));
        var (p50, p95, p99) = (metrics["p50_ms"]!.GetValue<double>(), metrics["p95_ms"]!.GetValue<double>(), metrics["p99_ms"]!.GetValue<double>());
        Assert.True(p50 > 0 && p50 <= p95 && p95 <= p99 && p99 < 30_000, $"p50 {p50}, p95 {p95}, p99 {p99}");
        Assert.Equal((model, 1, 0L), (metrics["model"]!.GetValue<string>(), metrics["version"]!.GetValue<int>(), metrics["swaps"]!.GetValue<long>()));
        Assert.True(DateTimeOffset.Parse(metrics["started_at"]!.GetValue<string>()) <= DateTimeOffset.UtcNow);
        for (var i = 0; i < 5; i++)
            await Requests.Post(_client, server.Url, Requests.RecordsBody(columns, rows), "t");
        Assert.Equal(27, server.Stats.Requests);
    }

    [Fact]
    public async Task Metrics_count_the_rows_the_prediction_log_stored_and_dropped()
    {
        var model = runs.NewModel(runs.Few);
        using var scorer = runs.Load(model, 1);
        await using var logger = new PredictionLogger(runs.Store);
        await using var server = await ModelServer.StartAsync(new ModelServerOptions { Scorer = scorer, Port = 0, PredictionLog = logger });
        var (columns, rows) = Requests.Sample(scorer.Signature, 4);
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await Requests.Post(_client, server.Url, Requests.SplitBody(columns, rows))).Status);
        await logger.FlushAsync();
        var metrics = await Requests.Get(_client, server.Url + "/metrics");
        Assert.Equal((12L, 0L), (metrics["prediction_log_written"]!.GetValue<long>(), metrics["prediction_log_dropped"]!.GetValue<long>()));
        Assert.Equal(12, runs.Store.CountPredictions(model, 1, "serve"));
    }

    [Fact]
    public async Task A_client_that_goes_away_mid_body_is_counted_and_the_server_keeps_answering()
    {
        var model = runs.NewModel(runs.Few);
        using var scorer = runs.Load(model, 1);
        await using var server = await ModelServer.StartAsync(new ModelServerOptions { Scorer = scorer, Port = 0 });
        var uri = new Uri(server.Url);
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(uri.Host, uri.Port);
            var head = "POST /invocations HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"dataframe_records\": [";
            await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head));
            await Task.Delay(300);
        }
        await Until(() => server.Stats.Requests == 1, "the abandoned request was not counted");
        Assert.Equal(0, server.Stats.Status5xx);
        var (columns, rows) = Requests.Sample(scorer.Signature, 2);
        Assert.Equal(HttpStatusCode.OK, (await Requests.Post(_client, server.Url, Requests.RecordsBody(columns, rows))).Status);
    }

    /// <summary>Serve <paramref name="run"/>'s model, post sample rows, check the OpenAPI document; the answer and the engine's own predictions.</summary>
    private async Task<(JsonArray Actual, IReadOnlyList<Prediction> Expected)> AnswerOf(MlOps.Tracking.Run run)
    {
        var model = runs.NewModel(run);
        using var scorer = runs.Load(model, 1);
        await using var server = await ModelServer.StartAsync(new ModelServerOptions { Scorer = scorer, Port = 0 });
        var (columns, rows) = Requests.Sample(scorer.Signature, 6);
        var (status, body, _) = await Requests.Post(_client, server.Url, Requests.RecordsBody(columns, rows));
        Assert.Equal(HttpStatusCode.OK, status);
        HotSwapTests.AssertDescribes(scorer, await Requests.Get(_client, server.Url + "/openapi.json"), token: false);
        var expected = scorer.Score(new ScoringInput(columns, rows));
        var actual = body!["predictions"]!.AsArray();
        Assert.Equal(expected.Count, actual.Count);
        return (actual, expected);
    }

    [Fact]
    public async Task A_multiclass_model_answers_a_class_label_and_a_score_per_class()
    {
        var (actual, expected) = await AnswerOf(runs.Bands);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(["label", "scores"], actual[i]!.AsObject().Select(p => p.Key));
            Assert.Equal((string)expected[i].Label, actual[i]!["label"]!.GetValue<string>());
            Assert.Equal(expected[i].Scores!.Select(s => KeyValuePair.Create(s.Key, (float)s.Value)).OrderBy(s => s.Key),
                actual[i]!["scores"]!.AsObject().Select(s => KeyValuePair.Create(s.Key, s.Value!.GetValue<float>())).OrderBy(s => s.Key));
        }
    }

    [Fact]
    public async Task A_regression_model_answers_a_number_as_label_and_score()
    {
        var (actual, expected) = await AnswerOf(runs.Scores);
        Assert.Equal(expected.Select(p => (float)p.Score!.Value), actual.Select(p => p!["score"]!.GetValue<float>()));
        Assert.All(actual, p =>
        {
            Assert.Equal(["label", "score"], p!.AsObject().Select(x => x.Key));
            Assert.Equal(p["score"]!.GetValue<double>(), p["label"]!.GetValue<double>());
        });
    }
}
