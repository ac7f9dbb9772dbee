using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace MlOps.Cli.Tests;

/// <summary>list / show / compare / export / import, and two processes writing to one store.</summary>
public sealed class BrowseAndShareTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private JsonArray Sweep(string name, string values)
    {
        var (exit, json, err) = _cli.Json("experiment", "run", "--name", name, "--params", CliHarness.ParamsFile,
            "--set", $"data.path={CliHarness.Rankings}", "--set", $"train.n_est={values}", "--quiet");
        Assert.True(exit == 0, err);
        return json["runs"]!.AsArray();
    }

    private static string Id(JsonNode? run) => run!["id"]!.GetValue<string>();

    [Fact]
    public void List_filters_by_experiment_sorts_by_metric_and_finds_the_best_run()
    {
        var runs = Sweep("browse", "3,10,30");
        Sweep("other", "5");

        var all = _cli.Json("experiment", "list").Json["runs"]!.AsArray();
        Assert.Equal(4, all.Count);

        var sorted = _cli.Json("experiment", "list", "--name", "browse", "--sort", "auc").Json["runs"]!.AsArray();
        Assert.Equal(3, sorted.Count);
        var aucs = sorted.Select(r => r!["metrics"]!["auc"]!.GetValue<double>()).ToList();
        Assert.Equal(aucs.OrderDescending(), aucs);

        var best = _cli.Json("experiment", "list", "--name", "browse", "--best").Json["runs"]!.AsArray();
        Assert.Equal(Id(sorted[0]), Id(Assert.Single(best)));
        Assert.Equal(Id(runs.Single(r => r!["best"]!.GetValue<bool>())), Id(best[0]));

        var limited = _cli.Json("experiment", "list", "--name", "browse", "--sort", "log_loss", "--limit", "1").Json["runs"]!.AsArray();
        Assert.Equal(sorted.Min(r => r!["metrics"]!["log_loss"]!.GetValue<double>()), Assert.Single(limited)!["metrics"]!["log_loss"]!.GetValue<double>());
    }

    [Fact]
    public void List_experiments_gives_each_experiment_with_its_run_count()
    {
        Sweep("first", "3,10");
        Sweep("second", "5");

        var experiments = _cli.Json("experiment", "list", "--experiments").Json["experiments"]!.AsArray();

        Assert.Equal(["first:2", "second:1"], experiments.Select(e => $"{e!["name"]!.GetValue<string>()}:{e["runs"]!.GetValue<int>()}").Order());
        Assert.All(experiments, e => Assert.True(DateTimeOffset.Parse(e!["lastRunAt"]!.GetValue<string>()) > DateTimeOffset.UtcNow.AddHours(-1)));
        var text = _cli.Run("experiment", "list", "--experiments");
        Assert.Contains("second", text.Out);
        Assert.DoesNotContain("FastForest", text.Out); // experiments, not runs
    }

    [Fact]
    public void Show_finds_a_run_by_prefix_with_lineage_and_details()
    {
        var id = Id(Sweep("show", "10")[0]);

        var (exit, json, err) = _cli.Json("experiment", "show", id[..8]);

        Assert.True(exit == 0, err);
        Assert.Equal(id, json["id"]!.GetValue<string>());
        Assert.Equal(64, json["model"]!["sha256"]!.GetValue<string>().Length);
        Assert.Equal(2200, json["data"]!["rows"]!.GetValue<int>());
        Assert.Contains(json["signature"]!.AsArray(), c => c!["name"]!.GetValue<string>() == "country" && c["type"]!.GetValue<string>() == "category");
        Assert.Equal("10", json["trainerOptions"]!["numberOfTrees"]!.GetValue<string>());
        var details = json["details"]!;
        Assert.True(details["roc"]!.AsArray().Count > 2);
        Assert.Equal(100, details["confusion"]!["counts"]!.AsArray().SelectMany(r => r!.AsArray()).Sum(c => c!.GetValue<long>()));
        Assert.False(string.IsNullOrEmpty(json["mlnet"]!.GetValue<string>()));

        var text = _cli.Run("experiment", "show", id[..8]);
        Assert.Contains("confusion", text.Out);
    }

    [Fact]
    public void Show_of_an_unknown_run_is_a_clear_error()
    {
        var (exit, _, err) = _cli.Run("experiment", "show", "deadbeef");
        Assert.Equal(1, exit);
        Assert.Contains("No run 'deadbeef'", err);
    }

    [Fact]
    public void Compare_shows_only_differing_params_by_default_with_metric_deltas_and_curves()
    {
        var runs = Sweep("compare", "3,30");
        var (a, b) = (Id(runs[0]), Id(runs[1]));

        var json = _cli.Json("experiment", "compare", a, b).Json;

        Assert.Equal([a, b], json["runs"]!.AsArray().Select(r => r!.GetValue<string>()));
        var parameters = json["params"]!.AsObject();
        Assert.Equal(["train.n_est"], parameters.Select(p => p.Key));
        Assert.Equal(["3", "30"], parameters["train.n_est"]!.AsArray().Select(v => v!.GetValue<string>()));
        var auc = json["metrics"]!["auc"]!.AsArray().Select(v => v!.GetValue<double>()).ToList();
        Assert.Equal(auc[1] - auc[0], json["deltas"]!["auc"]![1]!.GetValue<double>(), 5);
        Assert.Equal(2, json["curves"]!.AsArray().Count);
        Assert.True(json["curves"]![0]!["roc"]!.AsArray().Count > 2);
        // The curves side by side: both runs read at the same false-positive rates and recalls.
        var tpr = json["curvePoints"]!["tpr@fpr=0.1"]!.AsArray().Select(v => v!.GetValue<double>()).ToList();
        Assert.Equal(2, tpr.Count);
        Assert.All(tpr, v => Assert.InRange(v, 0.0, 1.0));
        var atFullRecall = json["curvePoints"]!["precision@recall=1"]!.AsArray().Select(v => v!.GetValue<double>()).ToList();
        Assert.All(atFullRecall, v => Assert.InRange(v, 0.4, 1.0));
        Assert.True(json["curvePoints"]!["tpr@fpr=0.5"]![1]!.GetValue<double>() >= tpr[1]); // the ROC never falls

        var text = _cli.Run("experiment", "compare", a, b).Out;
        Assert.Contains("tpr@fpr=0.1", text);
        Assert.Contains("precision@recall=0.9", text);

        var all = _cli.Json("experiment", "compare", a, b, "--all").Json["params"]!.AsObject();
        Assert.Contains("featurize.max_rank", all.Select(p => p.Key));
    }

    [Fact]
    public void An_exported_run_imports_into_another_store_with_its_model_verified()
    {
        var id = Id(Sweep("share", "10")[0]);
        var file = Path.Combine(_cli.Directory, "run.mlrun");

        Assert.Equal(0, _cli.Run("experiment", "export", id, "--out", file).Exit);

        using var colleague = new CliHarness();
        var (exit, imported, err) = colleague.Json("experiment", "import", file);
        Assert.True(exit == 0, err);
        Assert.Equal(id, imported["id"]!.GetValue<string>());
        var shown = colleague.Json("experiment", "show", id).Json;
        var original = _cli.Json("experiment", "show", id).Json;
        Assert.Equal(original["metrics"]!.ToJsonString(), shown["metrics"]!.ToJsonString());
        Assert.Equal(original["model"]!["sha256"]!.GetValue<string>(), shown["model"]!["sha256"]!.GetValue<string>());
        Assert.Equal(original["details"]!["roc"]!.ToJsonString(), shown["details"]!["roc"]!.ToJsonString());
        Assert.True(File.Exists(Path.Combine(colleague.StorePath, "artifacts", shown["model"]!["sha256"]!.GetValue<string>()[..2],
            shown["model"]!["sha256"]!.GetValue<string>())));
    }

    [Fact]
    public void Importing_a_file_that_is_not_an_export_is_a_clear_error()
    {
        var (exit, _, err) = _cli.Run("experiment", "import", _cli.WriteFile("junk.mlrun", "not a zip"));
        Assert.Equal(1, exit);
        Assert.Contains("not a run export", err);
    }

    [Fact]
    public void Two_processes_writing_runs_to_the_same_store_at_once_both_complete_and_nothing_is_lost()
    {
        var mlops = Path.Combine(AppContext.BaseDirectory, "mlops.dll");
        Process Start(string name) => Process.Start(new ProcessStartInfo("dotnet")
        {
            // A fixed directory: tests running beside this one may move the process's current one and delete it.
            WorkingDirectory = Path.GetTempPath(),
            ArgumentList =
            {
                mlops, "experiment", "run", "--name", name, "--params", CliHarness.ParamsFile, "--set", $"data.path={CliHarness.Rankings}",
                "--set", "train.n_est=3,5,8", "--store", _cli.StorePath, "--json", "--quiet",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        using var first = Start("writer-a");
        using var second = Start("writer-b");
        var outputs = new[] { first, second }.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToList();
        Assert.True(first.WaitForExit(TimeSpan.FromMinutes(3)) && second.WaitForExit(TimeSpan.FromMinutes(3)));
        Assert.True(first.ExitCode == 0, outputs[0].Err.Result);
        Assert.True(second.ExitCode == 0, outputs[1].Err.Result);

        var runs = _cli.Json("experiment", "list").Json["runs"]!.AsArray();
        Assert.Equal(6, runs.Count);
        Assert.All(runs, r => Assert.Equal("finished", r!["status"]!.GetValue<string>()));
        Assert.Equal(3, runs.Count(r => r!["experiment"]!.GetValue<string>() == "writer-a"));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [Fact]
    public void A_run_stopped_by_SIGTERM_is_stored_as_failed_not_left_running()
    {
        // 200,000 trees: minutes of training, so the signal lands while the run is running.
        using var process = Process.Start(new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetTempPath(),
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "mlops.dll"), "experiment", "run", "--name", "stopped", "--params", CliHarness.ParamsFile,
                "--set", $"data.path={CliHarness.Rankings}", "--set", "train.n_est=200000", "--store", _cli.StorePath, "--quiet",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (_cli.Json("experiment", "list", "--name", "stopped", "--status", "running").Json["runs"]!.AsArray().Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline && !process.HasExited, "the run never showed as running: " + (process.HasExited ? stderr.Result : ""));
            Thread.Sleep(200);
        }

        Assert.Equal(0, kill(process.Id, 15)); // SIGTERM, as a CI runner or `docker stop` sends
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)));

        Assert.NotEqual(0, process.ExitCode);
        var run = Assert.Single(_cli.Json("experiment", "list", "--name", "stopped").Json["runs"]!.AsArray())!;
        Assert.Equal("failed", run["status"]!.GetValue<string>());
        Assert.Contains("Interrupted (stopped by SIGTERM)", run["error"]!.GetValue<string>());
        Assert.Contains("stored as failed (interrupted)", stderr.Result);
    }
}
