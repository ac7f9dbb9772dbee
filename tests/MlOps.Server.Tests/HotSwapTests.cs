using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Server.Tests;

/// <summary>A served model following its Production stage: promotions, rollbacks and a broken new version, under load and across processes.</summary>
public sealed class HotSwapTests(DeploymentRuns runs) : IClassFixture<DeploymentRuns>, IAsyncDisposable
{
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly List<IAsyncDisposable> _cleanup = [];
    private readonly ConcurrentQueue<DeploymentChange> _changes = new();

    /// <summary>Serve v1 of a fresh model (v1 = 5 trees, v2 = 40 trees) with a watch on its Production stage.</summary>
    private async Task<(string Model, ModelRegistry Registry, ModelServer Server, DeploymentWatch Watch)> Deploy(TimeSpan poll)
    {
        var model = runs.NewModel(runs.Few, runs.Many);
        var registry = runs.Registry(model);
        var initial = runs.Load(model, 1);
        var server = await ModelServer.StartAsync(new ModelServerOptions { Scorer = initial, Port = 0 });
        var watch = new DeploymentWatch(registry, runs.Store.Artifacts, new DeploymentSelector(model), initial.Version, next => server.SwapAsync(next),
            new DeploymentWatchOptions { PollInterval = poll, OnChange = _changes.Enqueue });
        _cleanup.Add(watch);
        _cleanup.Add(server);
        _cleanup.Add(new Disposer(initial.Dispose));
        return (model, registry, server, watch);
    }

    private sealed class Disposer(Action dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            dispose();
            return ValueTask.CompletedTask;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _cleanup)
            await d.DisposeAsync();
        _client.Dispose();
    }

    private static bool Same(IReadOnlyList<Prediction> expected, JsonNode body)
    {
        var actual = body["predictions"]!.AsArray();
        return expected.Count == actual.Count && expected.Select((p, i) =>
            (bool)p.Label == actual[i]!["label"]!.GetValue<bool>() && (float)p.Probability! == actual[i]!["probability"]!.GetValue<float>()
            && (float)p.Score! == actual[i]!["score"]!.GetValue<float>()).All(x => x);
    }

    private async Task<int> ServedVersion(ModelServer server) => (await Requests.Get(_client, server.Url + "/version"))["version"]!.GetValue<int>();

    private async Task WaitForVersion(ModelServer server, int version)
    {
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromSeconds(60); waited += TimeSpan.FromMilliseconds(100))
        {
            if (await ServedVersion(server) == version)
                return;
            await Task.Delay(100);
        }
        Assert.Fail($"the server did not switch to v{version}: {string.Join("; ", _changes.Select(c => c.Error ?? $"v{c.Version.Version}"))}");
    }

    /// <summary>Status and X-Model-Version of one ordinary request.</summary>
    private async Task<(HttpStatusCode, int?)> Answer(ModelServer server)
    {
        var (columns, rows) = Requests.Sample(server.Scorer.Signature, 2);
        var (status, _, version) = await Requests.Post(_client, server.Url, Requests.RecordsBody(columns, rows));
        return (status, version);
    }

    [Fact]
    public async Task A_promotion_under_load_swaps_to_v2_with_no_failed_request_and_v2s_own_answers()
    {
        var (model, registry, server, watch) = await Deploy(Timeout.InfiniteTimeSpan); // events only: the promotion happens in this process
        var (columns, rows) = Requests.Sample(server.Scorer.Signature, 5);
        var body = Requests.RecordsBody(columns, rows);
        using var v1 = runs.Load(model, 1);
        using var v2 = runs.Load(model, 2);
        var input = new ScoringInput(columns, rows);
        var (expected1, expected2) = (v1.Score(input), v2.Score(input));
        Assert.NotEqual(expected1, expected2);

        var promoted = new TaskCompletionSource();
        var swapped = new TaskCompletionSource();
        var until = DateTime.UtcNow.AddSeconds(2.5);
        var loops = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var answers = new List<(HttpStatusCode Status, JsonNode? Body, int? Version)>();
            // Keep posting for 2.5 s and at least until the swap is visible (a slow machine may load v2 late).
            while (DateTime.UtcNow < until || !swapped.Task.IsCompleted && DateTime.UtcNow < until.AddSeconds(60))
            {
                var answer = await Requests.Post(_client, server.Url, body);
                answers.Add(answer);
                if (answer.Version == 2) swapped.TrySetResult();
            }
            return answers;
        })).ToList();
        await Task.Delay(800);
        Assert.True(registry.Promote(model, 2, ModelStage.Production, "more trees").Promoted);
        var results = await Task.WhenAll(loops);

        var all = results.SelectMany(r => r).ToList();
        Assert.All(all, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Contains(all, a => a.Version == 1);
        Assert.Contains(all, a => a.Version == 2);
        foreach (var loop in results)
            Assert.True(loop.Select(a => a.Version!.Value).SequenceEqual(loop.Select(a => a.Version!.Value).Order()), "a client saw v1 after v2");
        Assert.All(all, a => Assert.True(Same(a.Version == 1 ? expected1 : expected2, a.Body!), $"v{a.Version} answered {a.Body}"));
        Assert.Equal(2, await ServedVersion(server));
        Assert.Equal(2, watch.Serving.Version);
        Assert.Equal(1, server.Stats.Swaps);
        Assert.Equal(all.Count, server.Stats.Status2xx);
        Assert.Single(_changes, c => c is { Swapped: true, Version.Version: 2, Previous.Version: 1 });
    }

    [Fact]
    public async Task Promoting_v1_again_rolls_the_server_back()
    {
        var (model, registry, server, _) = await Deploy(Timeout.InfiniteTimeSpan);
        Assert.True(registry.Promote(model, 2, ModelStage.Production, "more trees").Promoted);
        await WaitForVersion(server, 2);
        Assert.True(registry.Promote(model, 1, ModelStage.Production, "roll back").Promoted);
        await WaitForVersion(server, 1);
        Assert.Equal((HttpStatusCode.OK, 1), await Answer(server));
        Assert.Equal(2, server.Stats.Swaps);
    }

    [Fact]
    public async Task A_promotion_made_elsewhere_is_seen_by_polling_the_store()
    {
        var (model, _, server, _) = await Deploy(TimeSpan.FromMilliseconds(200));
        // Another registry object on another hub: no event reaches the watch, as with `mlops promote` in another process.
        var elsewhere = runs.Registry(model);
        Assert.True(elsewhere.Promote(model, 2, ModelStage.Production, "from another process").Promoted);
        await WaitForVersion(server, 2);
    }

    [Fact]
    public async Task A_new_version_whose_artifact_was_tampered_with_is_refused_and_the_old_one_keeps_serving()
    {
        var (model, _, server, watch) = await Deploy(Timeout.InfiniteTimeSpan);
        var elsewhere = runs.Registry(model);
        Assert.True(elsewhere.Promote(model, 2, ModelStage.Production, "more trees").Promoted);
        var path = ((FileArtifactStore)runs.Store.Artifacts).PathOf(elsewhere.Version(model, 2).Artifact);
        var original = await File.ReadAllBytesAsync(path);
        try
        {
            var tampered = original.ToArray();
            tampered[tampered.Length / 2] ^= 0xFF;
            await File.WriteAllBytesAsync(path, tampered);

            var change = await watch.CheckAsync();
            Assert.NotNull(change);
            Assert.False(change.Swapped);
            Assert.Contains("corrupted", change.Error);
            Assert.Contains("Still serving v1", change.Error);
            Assert.Null(await watch.CheckAsync()); // reported once, not at every poll
            Assert.NotNull(watch.LastError);
        }
        finally
        {
            await File.WriteAllBytesAsync(path, original);
        }
        Assert.Equal((HttpStatusCode.OK, 1), await Answer(server));
        Assert.Equal(0, server.Stats.Swaps);
    }

    [Fact]
    public async Task OpenApi_describes_the_signature_and_follows_a_swap_to_another_signature()
    {
        var model = runs.NewModel(runs.Few, runs.Narrow);
        using var initial = runs.Load(model, 1);
        await using var server = await ModelServer.StartAsync(new ModelServerOptions { Scorer = initial, Port = 0, Token = "t" });
        AssertDescribes(initial, await Requests.Get(_client, server.Url + "/openapi.json", "t"), token: true);

        var narrow = runs.Load(model, 2);
        await server.SwapAsync(narrow);
        Assert.True(narrow.Signature.Count < initial.Signature.Count);
        AssertDescribes(narrow, await Requests.Get(_client, server.Url + "/openapi.json", "t"), token: true);
        Assert.Equal(2, (await Requests.Get(_client, server.Url + "/version", "t"))["version"]!.GetValue<int>());
    }

    /// <summary>The document's columns and types are the signature's; the three request formats, the binary answer and the error shape are there.</summary>
    internal static void AssertDescribes(ModelScorer scorer, JsonNode doc, bool token)
    {
        Assert.StartsWith("3.0", doc["openapi"]!.GetValue<string>());
        var schemas = doc["components"]!["schemas"]!;
        var properties = schemas["Row"]!["properties"]!.AsObject();
        Assert.Equal(scorer.Signature.Select(c => (c.Name, c.Type == "number" ? "number" : "string")),
            properties.Select(p => (p.Key, p.Value!["type"]!.GetValue<string>())));
        Assert.All(properties, p => Assert.True(p.Value!["nullable"]!.GetValue<bool>()));
        var formats = doc["paths"]!["/invocations"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["oneOf"]!.AsArray()
            .Select(r => r!["$ref"]!.GetValue<string>().Split('/').Last()).ToList();
        Assert.Equal(["DataframeSplit", "DataframeRecords", "Instances"], formats);
        Assert.Equal(["dataframe_split"], schemas["DataframeSplit"]!["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["error_code", "message"], schemas["Error"]!["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        var responses = doc["paths"]!["/invocations"]!["post"]!["responses"]!.AsObject();
        Assert.True(responses.ContainsKey("400") && responses.ContainsKey("401"));
        Assert.NotNull(doc["paths"]!["/health"]);
        Assert.NotNull(doc["paths"]!["/version"]);
        Assert.Equal(token, doc["components"]!["securitySchemes"]?["bearerAuth"] is not null);
        var label = schemas["Prediction"]!["properties"]!["label"]!["type"]!.GetValue<string>();
        Assert.Equal(scorer.Task switch { Training.MlTask.Binary => "boolean", Training.MlTask.Multiclass => "string", _ => "number" }, label);
    }
}
