using System.Net.Http.Json;
using System.Text.Json;
using static MlOps.Interactive.Tests.KernelSession;

namespace MlOps.Interactive.Tests;

/// <summary>#!deploy in the runner's in-process kernel: a real Kestrel server on 127.0.0.1, listed, stopped, and gone with the kernel.</summary>
public sealed class DeployDirectiveTests : IDisposable
{
    private const string Model = "RFClass-cwurData";
    private readonly KernelSession _session = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose()
    {
        _http.Dispose();
        _session.Dispose();
    }

    private string Store => $"--store \"{_session.Store}\"";

    private async Task PromotedModelAsync()
    {
        AssertSucceeded(await _session.SubmitAsync(_session.RunLine("uc1", "--quiet")));
        AssertSucceeded(await _session.SubmitAsync($"#!register --best --experiment uc1 --model {Model} {Store}"));
        AssertSucceeded(await _session.SubmitAsync($"#!promote --model {Model} --version 1 --stage Production --reason test {Store}"));
    }

    private static string Html(Microsoft.DotNet.Interactive.KernelCommandResult result) => Displayed(result).First(v => v.MimeType == "text/html").Value;

    [Fact]
    public async Task Deploy_without_a_subcommand_serves_the_Production_version_then_list_and_stop_manage_it()
    {
        await PromotedModelAsync();

        var serve = await _session.SubmitAsync($"#!deploy --model {Model} {Store}");
        AssertSucceeded(serve);
        Assert.Contains("curl -s -X POST http://127.0.0.1:", Html(serve));
        var url = ReturnedText(await _session.SubmitAsync("lastDeployment.Url"))!;
        Assert.StartsWith("http://127.0.0.1:", url);

        var version = await _http.GetFromJsonAsync<JsonElement>(url + "/version");
        Assert.Equal(Model, version.GetProperty("model").GetString());
        Assert.Equal(1, version.GetProperty("version").GetInt32());
        var signature = version.GetProperty("signature").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        var row = version.GetProperty("signature").EnumerateArray().Select(c => c.GetProperty("type").GetString() == "number" ? (object)10 : "USA").ToArray();
        var answer = await _http.PostAsJsonAsync(url + "/invocations", new { dataframe_split = new { columns = signature, data = new[] { row } } });
        answer.EnsureSuccessStatusCode();
        Assert.Single((await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("predictions").EnumerateArray());

        // The company catalog knows where the model is served.
        AssertSucceeded(await _session.SubmitAsync($"#!catalog show {Model} --catalog \"{MlOps.Catalog.CatalogLocation.Resolve(null)}\""));
        Assert.Contains(url, ReturnedText(await _session.SubmitAsync("string.Join(\" \", lastCatalogEntry.Deployments.Select(d => d.Facts[\"url\"]))")));

        var list = await _session.SubmitAsync($"#!deploy list {Store}");
        AssertSucceeded(list);
        Assert.Contains("<table class=\"mlops-deployments\"", Html(list));
        Assert.Contains("running here", Html(list));
        Assert.Contains(url, Html(list));

        var stop = await _session.SubmitAsync($"#!deploy stop --model {Model} {Store}");
        AssertSucceeded(stop);
        Assert.Contains($"Stopped '{Model}' v1", Displayed(stop).First(v => v.MimeType == "text/plain").Value);
        await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync(url + "/health"));
        // The served row reached the prediction log (every row by default), flushed when the server stopped.
        using (var store = MlOps.Storage.LiteDb.LiteDbRunStore.Open(_session.Store))
        {
            var logged = store.ReadPredictions(Model, source: "serve").ToList();
            Assert.Single(logged);
            Assert.Equal(1, logged[0].Version);
            Assert.Equal(10.0, logged[0].Inputs[signature.First(c => version.GetProperty("signature").EnumerateArray().First(s => s.GetProperty("name").GetString() == c).GetProperty("type").GetString() == "number")]);
        }

        // Stopped deployments leave the default list but stay on record.
        Assert.Contains("No deployments", Html(await _session.SubmitAsync($"#!deploy list {Store}")));
        Assert.Contains("stopped", Html(await _session.SubmitAsync($"#!deploy list --all {Store}")));
    }

    [Fact]
    public async Task A_server_started_in_a_notebook_stops_when_the_kernel_stops()
    {
        await PromotedModelAsync();
        AssertSucceeded(await _session.SubmitAsync($"#!deploy serve --model {Model} --stage Production {Store}"));
        var url = ReturnedText(await _session.SubmitAsync("lastDeployment.Url"))!;
        Assert.Equal("ok", await _http.GetStringAsync(url + "/health"));

        _session.Kernel.Dispose();

        await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync(url + "/health"));
    }

    [Fact]
    public async Task Serving_a_model_without_a_Production_version_fails_the_cell_with_the_fix()
    {
        await PromotedModelAsync();
        var result = await _session.SubmitAsync($"#!deploy serve --model {Model} --stage Staging {Store}");
        Assert.Contains("has no Staging version", Failure(result));
        Assert.Contains("mlops promote", Failure(result));
        Assert.Contains("missing required option --model", Failure(await _session.SubmitAsync($"#!deploy --port 0 {Store}")));
    }

    [Fact]
    public async Task A_notebook_server_follows_Production_when_the_next_cell_promotes_another_version()
    {
        AssertSucceeded(await _session.SubmitAsync(_session.RunLine("uc1", "--set train.numberOfTrees=5,40 --quiet")));
        var ids = ReturnedText(await _session.SubmitAsync("string.Join(\" \", lastExperiment.Runs.OrderBy(r => r.Run.Metrics[\"auc\"]).Select(r => r.Run.Id))"))!.Split(' ');
        AssertSucceeded(await _session.SubmitAsync($"#!register --run {ids[0]} --model {Model} {Store}"));
        AssertSucceeded(await _session.SubmitAsync($"#!register --run {ids[1]} --model {Model} {Store}"));
        AssertSucceeded(await _session.SubmitAsync($"#!promote --model {Model} --version 1 --stage Production --reason first {Store}"));
        AssertSucceeded(await _session.SubmitAsync($"#!deploy --model {Model} --poll-seconds 30 {Store}"));
        var url = ReturnedText(await _session.SubmitAsync("lastDeployment.Url"))!;
        Assert.Equal(1, (await _http.GetFromJsonAsync<JsonElement>(url + "/version")).GetProperty("version").GetInt32());

        AssertSucceeded(await _session.SubmitAsync($"#!promote --model {Model} --version 2 --stage Production --reason better {Store}"));

        // The registry event reaches the server in this process at once (the 30 s poll is not what finds it).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var served = 1;
        while (served != 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            served = (await _http.GetFromJsonAsync<JsonElement>(url + "/version")).GetProperty("version").GetInt32();
        }
        Assert.Equal(2, served);
        var list = await _session.SubmitAsync($"#!deploy list {Store}");
        Assert.Contains("<td style=\"border:1px solid #ddd;padding:2px 6px;text-align:right;font-variant-numeric:tabular-nums\">1</td>", Html(list));
    }

    [Fact]
    public async Task Deploy_batch_scores_a_file_writes_predictions_and_records_a_scoring_run()
    {
        await PromotedModelAsync();
        var output = Path.Combine(_session.Directory, "scores.csv");

        var batch = await _session.SubmitAsync($"#!deploy batch --model {Model} --input \"{Cwur}\" --output \"{output}\" --key institution,year {Store}");

        AssertSucceeded(batch);
        Assert.Equal("2200 2200 0", ReturnedText(await _session.SubmitAsync("$\"{lastBatch.Rows} {lastBatch.Scored} {lastBatch.Rejected}\"")));
        var lines = File.ReadAllLines(output);
        Assert.Equal(2201, lines.Length);
        Assert.StartsWith("institution,year,predicted_label", lines[0]);
        Assert.Contains($"Recorded as run", Displayed(batch).First(v => v.MimeType == "text/plain").Value);
        AssertSucceeded(await _session.SubmitAsync($"#!experiment list --name {Model}.scoring {Store}"));
        Assert.Equal("1", ReturnedText(await _session.SubmitAsync("lastRuns.Count.ToString()")));
    }
}
