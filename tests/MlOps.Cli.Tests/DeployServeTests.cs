using System.Diagnostics;
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

    /// <summary>Two runs (5 and 40 trees) registered weaker first, so promoting v2 passes the no-regression gate; v1 in Production.</summary>
    private void TrainTwoRegisterPromoteFirst()
    {
        var (exit, json, err) = _cli.Json("experiment", "run", "--name", "follow", "--params", CliHarness.ParamsFile,
            "--set", $"data.path={Path.Combine(CliHarness.Rankings, "cwurData.csv")}", "--set", "train.n_est=5,40", "--quiet");
        Assert.True(exit == 0, err);
        var runs = json["runs"]!.AsArray().OrderBy(r => r!["metrics"]!["auc"]!.GetValue<double>()).Select(r => r!["id"]!.GetValue<string>()).ToList();
        foreach (var run in runs)
            Assert.Equal(0, _cli.Run("register", "--run", run, "--model", Model).Exit);
        var promote = _cli.Run("promote", "--model", Model, "--version", "1", "--stage", "Production", "--reason", "serve it");
        Assert.True(promote.Exit == 0, promote.Err + promote.Out);
    }

    /// <summary>`dotnet mlops.dll ...` as a child process whose stdout lines are collected as they come.</summary>
    private static (Process Process, Func<string> Printed, Func<Func<string, bool>, Task> Line) Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlops.dll"));
        foreach (var a in args)
            start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        var printed = new StringBuilder();
        var waiters = new List<(Func<string, bool> Match, TaskCompletionSource Seen)>();
        void Add(string? line)
        {
            lock (printed)
            {
                printed.AppendLine(line);
                foreach (var (match, seen) in waiters)
                    if (line is not null && match(line)) seen.TrySetResult();
            }
        }
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        string Printed() { lock (printed) return printed.ToString(); }
        Task Line(Func<string, bool> match)
        {
            var seen = new TaskCompletionSource();
            lock (printed)
            {
                if (printed.ToString().Split('\n').Any(l => match(l.TrimEnd('\r')))) seen.TrySetResult();
                waiters.Add((match, seen));
            }
            return seen.Task.WaitAsync(TimeSpan.FromMinutes(2));
        }
        return (process, Printed, Line);
    }

    [Fact]
    public async Task Serve_follows_a_promotion_made_by_mlops_promote_in_another_process()
    {
        TrainTwoRegisterPromoteFirst();
        var (process, printed, line) = Start("deploy", "serve", "--model", Model, "--port", "0", "--poll-seconds", "0.5", "--store", _cli.StorePath);
        try
        {
            await line(l => l.StartsWith("Press Ctrl+C"));
            var url = Regex.Match(printed(), @"at (http://127\.0\.0\.1:\d+)\r?\n").Groups[1].Value;
            Assert.Contains($"Following '{Model}' Production", printed());
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var sample = Regex.Match(printed(), @"-d '(.*)'").Groups[1].Value;
            async Task<string?> AnsweringVersion()
            {
                using var response = await client.PostAsync(url + "/invocations", new StringContent(sample, Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return response.Headers.GetValues("X-Model-Version").Single();
            }
            Assert.Equal("1", await AnsweringVersion());

            var (promoter, promoted, _) = Start("promote", "--model", Model, "--version", "2", "--stage", "Production", "--reason", "more trees", "--store", _cli.StorePath);
            using (promoter)
            {
                Assert.True(promoter.WaitForExit(TimeSpan.FromMinutes(2)), "mlops promote did not finish");
                promoter.WaitForExit();
                Assert.True(promoter.ExitCode == 0, promoted());
            }
            await line(l => l.StartsWith($"Swapped to '{Model}' v2 (sha256 "));
            Assert.Equal("2", await AnsweringVersion());
            Assert.Equal(2, JsonNode.Parse(await client.GetStringAsync(url + "/version"))!["version"]!.GetValue<int>());
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
            process.Dispose();
        }
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
