using System.Text.Json.Nodes;
using MlOps.Cli;
using static MlOps.Interactive.Tests.Notebooks;

namespace MlOps.Interactive.Tests;

/// <summary>`mlops run NOTEBOOK`: the headless runner with #!experiment built in, and its --json contract.</summary>
public sealed class RunNotebookTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlops-run-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private static (int Exit, JsonObject Json, string Err) Mlops(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CliApp.Run(args, output, error);
        return (exit, JsonNode.Parse(output.ToString())!.AsObject(), error.ToString());
    }

    [Fact]
    public void A_notebook_using_experiment_on_the_rankings_data_runs_green_with_the_json_contract()
    {
        var notebook = Write(_directory, "uc1.ipynb",
            "#i \"nuget: /some/local/feed\"\n#r \"nuget: MlOps.Interactive, 0.1.0\"",
            "// parameters\nvar maxRank = 100;",
            $"#!experiment run --name uc1 --data \"{KernelSession.Cwur}\" --filter \"world_rank <= 100\" --label \"world_rank < 50\" --split-by year --trainer FastTree",
            "lastExperiment.Best.Run.Metrics[\"auc\"] > 0.8 && maxRank == 50");
        var output = Path.Combine(_directory, "out.ipynb");
        var report = Path.Combine(_directory, "junit.xml");

        var (exit, json, err) = Mlops("run", notebook, "--output", output, "--report", report, "--json", "--param", "maxRank=50");

        Assert.True(exit == 0, err + json);
        Assert.Equal("succeeded", (string?)json["status"]);
        Assert.Equal(Path.GetFullPath(notebook), (string?)json["notebook"]);
        Assert.Equal(output, (string?)json["output"]);
        Assert.Null(json["failedCell"]);
        Assert.Null(json["error"]);
        var cells = json["cells"]!.AsArray();
        Assert.Equal(5, cells.Count); // four cells and the injected parameters cell
        Assert.All(cells, c => Assert.Equal("succeeded", (string?)c!["status"]));
        Assert.All(cells, c => Assert.True(c!["seconds"]!.GetValue<double>() >= 0));
        Assert.Contains("cell 3/", err);
        var experiment = Outputs(output, 3);
        Assert.Contains(experiment, o => ((string?)o!["data"]?["text/html"])?.Contains("<svg") == true);
        Assert.Contains("True", Outputs(output, 4)[0]!["data"]!["text/plain"]!.ToString());
        Assert.True(File.Exists(report));
    }

    [Fact]
    public void A_failing_cell_fails_the_run_with_its_error_and_skips_the_later_cells()
    {
        var notebook = Write(_directory, "bad.ipynb",
            "var x = 1;",
            "#!experiment run --name bad --data missing.csv --label y",
            "var y = 2;");

        var (exit, json, err) = Mlops("run", notebook, "--json");

        Assert.Equal(1, exit);
        Assert.Equal("failed", (string?)json["status"]);
        Assert.Equal(1, (int?)json["failedCell"]);
        Assert.Contains("missing.csv", (string?)json["error"]);
        var cells = json["cells"]!.AsArray();
        Assert.Equal(["succeeded", "failed", "skipped"], cells.Select(c => (string?)c!["status"]));
        Assert.Contains("cell 1 failed", err);
        var output = (string)json["output"]!;
        Assert.Contains(Outputs(output, 1), o => (string?)o!["output_type"] == "error");
        Assert.Empty(Outputs(output, 2));
    }

    [Fact]
    public void A_notebook_that_does_not_exist_exits_1_with_the_json_error()
    {
        var (exit, json, _) = Mlops("run", Path.Combine(_directory, "nope.ipynb"), "--json");

        Assert.Equal(1, exit);
        Assert.Equal("failed", (string?)json["status"]);
        Assert.NotNull((string?)json["error"]);
    }

    [Fact]
    public void Exp1_the_use_case_notebook_at_the_repo_root_runs_green_with_charts_in_its_record()
    {
        // A child process: the notebook reads $MLOPS_STORE, which must not leak into tests running beside this one.
        var root = KernelSession.RepoRoot;
        var output = Path.Combine(_directory, "exp1.executed.ipynb");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "mlops.dll"), "run", Path.Combine(root, "exp1.ipynb"), "--output", output, "--json" },
            // Not the inherited directory, which notebook tests running beside this one may have moved and deleted.
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["MLOPS_STORE"] = Path.Combine(_directory, "store");
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)));

        Assert.True(process.ExitCode == 0, stderr.Result);
        var json = JsonNode.Parse(stdout.Result)!.AsObject();
        Assert.Equal("succeeded", (string?)json["status"]);
        Assert.All(json["cells"]!.AsArray(), c => Assert.Equal("succeeded", (string?)c!["status"]));
        var cells = JsonNode.Parse(File.ReadAllText(output))!["cells"]!.AsArray();
        var html = string.Join("\n", cells.SelectMany(c => c!["outputs"]?.AsArray() ?? []).Select(o => o!["data"]?["text/html"]?.ToString() ?? ""));
        Assert.Contains("<svg", html);
        Assert.Contains("Confusion matrix", html);
        var text = string.Join("\n", cells.SelectMany(c => c!["outputs"]?.AsArray() ?? []).Select(o => o!["data"]?["text/plain"]?.ToString() ?? ""));
        Assert.Contains("Status: cached", text); // the re-run reused every stage
        Assert.Contains("SameRunAsBefore: True", text);
        // The variants compared with #!experiment compare (curves side by side), then shared through a file.
        Assert.Contains("ROC curves", html);
        Assert.Contains("featurize.max_features: 12 | 3 | 12 | 12", text);
        Assert.Contains("Exported run", text);
        Assert.Contains("Imported run", text);
    }

    [Fact]
    public void Uc2_registry_notebook_registers_and_promotes_each_data_sets_best_model_through_its_gates()
    {
        // A child process for the same reason as exp1; the runner's working directory is notebooks/, so gates.yaml there applies.
        var output = Path.Combine(_directory, "uc2.executed.ipynb");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "mlops.dll"), "run", Path.Combine(KernelSession.RepoRoot, "notebooks", "uc2-registry.ipynb"), "--output", output, "--json" },
            WorkingDirectory = KernelSession.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["MLOPS_STORE"] = Path.Combine(_directory, "store");
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)));

        Assert.True(process.ExitCode == 0, stderr.Result + stdout.Result);
        var outputs = JsonNode.Parse(File.ReadAllText(output))!["cells"]!.AsArray().SelectMany(c => c!["outputs"]?.AsArray() ?? []).ToList();
        var html = string.Join("\n", outputs.Select(o => o!["data"]?["text/html"]?.ToString() ?? ""));
        var text = string.Join("\n", outputs.Select(o => o!["data"]?["text/plain"]?.ToString() ?? ""));
        foreach (var data in new[] { "cwurData", "timesData", "shanghaiData" })
        {
            Assert.Contains($"RFClass-{data} v1 is now Production", text);
            Assert.Contains($"RFClass-{data}: 1 version(s), Production: v1", text);
        }
        Assert.Contains("✓ auc >= 0.95", text); // the declared gate from notebooks/gates.yaml ran
        Assert.Contains("<ol class=\"mlops-history\"", html);
        Assert.DoesNotContain("<script", html);

        // Run again on the same store: the same best runs are reused, Production is left as it is, nothing is added.
        using var again = System.Diagnostics.Process.Start(start)!;
        var againOut = again.StandardOutput.ReadToEndAsync();
        var againErr = again.StandardError.ReadToEndAsync();
        Assert.True(again.WaitForExit(TimeSpan.FromMinutes(5)));
        Assert.True(again.ExitCode == 0, againErr.Result + againOut.Result);
        var rerun = string.Join("\n", JsonNode.Parse(File.ReadAllText(output))!["cells"]!.AsArray().SelectMany(c => c!["outputs"]?.AsArray() ?? [])
            .Select(o => o!["data"]?["text/plain"]?.ToString() ?? ""));
        foreach (var data in new[] { "cwurData", "timesData", "shanghaiData" })
        {
            Assert.Contains($"is already RFClass-{data} v1 (stage Production): reused", rerun);
            Assert.Contains($"RFClass-{data} v1 is already Production: nothing to do", rerun);
            Assert.Contains($"RFClass-{data}: 1 version(s), Production: v1", rerun);
        }
    }
}
