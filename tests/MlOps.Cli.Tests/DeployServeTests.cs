using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MlOps.Cli.Tests;

/// <summary>`mlops deploy serve` as a real foreground process: prints its URL, serves, stops in order on SIGINT.</summary>
public sealed class DeployServeTests : IDisposable
{
    private const string Model = "RFClass-serve";
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private void TrainRegisterPromote()
    {
        var (exit, json, err) = _cli.Json("experiment", "run", "--name", "serve", "--params", CliHarness.ParamsFile,
            "--set", $"data.path={Path.Combine(CliHarness.Rankings, "cwurData.csv")}", "--set", "train.n_est=20", "--quiet");
        Assert.True(exit == 0, err);
        var run = json["runs"]!.AsArray().Single()!["id"]!.GetValue<string>();
        Assert.Equal(0, _cli.Run("register", "--run", run, "--model", Model).Exit);
        var promote = _cli.Run("promote", "--model", Model, "--version", "1", "--stage", "Production", "--reason", "serve it");
        Assert.True(promote.Exit == 0, promote.Err + promote.Out);
    }

    [Fact]
    public async Task Serve_prints_url_version_and_sample_then_answers_and_stops_in_order_on_SIGTERM()
    {
        TrainRegisterPromote();
        using var server = new ServeProcess(Path.Combine(AppContext.BaseDirectory, "mlops.dll"),
            "deploy", "serve", "--model", Model, "--port", "0", "--token", "tok", "--store", _cli.StorePath);
        var url = await server.UrlAsync();
        var text = server.Printed;
        Assert.Contains($"Serving '{Model}' v1 (Production, binary", text);
        Assert.Contains($"curl -s -X POST {url}/invocations", text);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "tok");
        var version = JsonNode.Parse(await client.GetStringAsync(url + "/version"))!;
        Assert.Equal(1, version["version"]!.GetValue<int>());
        // The sample request the server printed must itself be a valid request.
        var sample = Regex.Match(text, @"-d '(.*)'").Groups[1].Value;
        using var response = await client.PostAsync(url + "/invocations", new StringContent(sample, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["predictions"]!.AsArray());

        var (exit, err) = await server.TerminateAsync();
        Assert.True(exit == 0, err);
        Assert.Contains("Stopped.", server.Printed);
    }

    [Fact]
    public void Serve_refuses_an_unknown_model_and_several_selectors_with_exit_1()
    {
        TrainRegisterPromote();
        var unknown = _cli.Run("deploy", "serve", "--model", "nope", "--port", "0");
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("No model 'nope'", unknown.Err);
        var both = _cli.Run("deploy", "serve", "--model", Model, "--version", "1", "--alias", "champion", "--port", "0");
        Assert.Equal(1, both.Exit);
        Assert.Contains("one of --stage, --alias or --version", both.Err);
        var staging = _cli.Run("deploy", "serve", "--model", Model, "--stage", "Staging", "--port", "0");
        Assert.Equal(1, staging.Exit);
        Assert.Contains("no Staging version", staging.Err);
    }
}
