using System.Text.Json.Nodes;

namespace MlOps.Cli.Tests;

/// <summary>`mlops experiment run` on the real rankings data: the JSON contract, the stage cache, sweeps.</summary>
public sealed class ExperimentRunTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string[] Stages(JsonNode run) => run["stages"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()).ToArray();

    private static bool[] CachedFlags(JsonNode run) => run["stages"]!.AsArray().Select(s => s!["cached"]!.GetValue<bool>()).ToArray();

    [Fact]
    public void Use_case_1_defaults_train_a_tracked_model_and_print_the_json_contract()
    {
        var (exit, json, err) = _cli.Json("experiment", "run", "--name", "uc1", "--params", CliHarness.ParamsFile, "--set", $"data.path={CliHarness.Rankings}");

        Assert.True(exit == 0, err);
        Assert.Equal("uc1", json["experiment"]!.GetValue<string>());
        var run = Assert.Single(json["runs"]!.AsArray())!;
        Assert.Equal("finished", run["status"]!.GetValue<string>());
        Assert.Equal("FastForest", run["trainer"]!.GetValue<string>());
        Assert.Null(run["error"]);
        Assert.Equal(32, run["id"]!.GetValue<string>().Length);
        Assert.Equal("100", run["params"]!["featurize.max_rank"]!.GetValue<string>());
        Assert.Equal("world_rank < 50", run["params"]!["featurize.label"]!.GetValue<string>());
        foreach (var metric in new[] { "accuracy", "precision", "recall", "f1", "auc", "pr_auc", "log_loss" })
            Assert.NotNull(run["metrics"]![metric]);
        Assert.InRange(run["metrics"]!["auc"]!.GetValue<double>(), 0.9, 1.0);
        Assert.Equal(["load", "validate", "featurize", "split", "train", "evaluate"], Stages(run));
        Assert.All(CachedFlags(run), Assert.False);
    }

    [Theory]
    [InlineData("multiclass", "country", "LightGbm", new[] { "log_loss", "macro_accuracy", "micro_accuracy" })]
    [InlineData("regression", "score", "FastTree", new[] { "mae", "r2", "rmse" })]
    public void Multiclass_and_regression_runs_print_the_contract_metric_names_and_list_prints_the_same_run(
        string task, string label, string trainer, string[] metrics)
    {
        var (exit, json, err) = _cli.Json("experiment", "run", "--name", task, "--data", Path.Combine(CliHarness.Rankings, "cwurData.csv"),
            "--label", label, "--features", "publications,influence,citations,broad_impact", "--task", task, "--trainer", trainer,
            "--test-fraction", "0.25", "--seed", "7", "--quiet");

        Assert.True(exit == 0, err);
        var run = Assert.Single(json["runs"]!.AsArray())!;
        Assert.Equal("finished", run["status"]!.GetValue<string>());
        Assert.Equal(trainer, run["trainer"]!.GetValue<string>());
        Assert.Equal(task, run["task"]!.GetValue<string>());
        Assert.Equal("0.25", run["params"]!["split.test_fraction"]!.GetValue<string>());
        Assert.Subset(run["metrics"]!.AsObject().Select(m => m.Key).ToHashSet(), metrics.ToHashSet());
        Assert.All(metrics, m => Assert.True(double.IsFinite(run["metrics"]![m]!.GetValue<double>()), m));
        Assert.All(run["stages"]!.AsArray(), s =>
        {
            Assert.False(s!["cached"]!.GetValue<bool>());
            Assert.True(s["seconds"]!.GetValue<double>() >= 0);
        });
        Assert.Null(run["error"]);

        var listed = Assert.Single(_cli.Json("experiment", "list", "--name", task).Json["runs"]!.AsArray())!;
        foreach (var key in new[] { "id", "status", "trainer", "params", "metrics", "stages", "error" })
            Assert.Equal(run[key]?.ToJsonString(), listed[key]?.ToJsonString());
    }

    [Fact]
    public void Rerunning_an_unchanged_experiment_reuses_every_stage_and_a_train_parameter_change_reuses_the_data_stages()
    {
        string[] args = ["experiment", "run", "--name", "cache", "--data", Path.Combine(CliHarness.Rankings, "cwurData.csv"),
            "--filter", "world_rank <= 100", "--label", "world_rank < 50", "--split-by", "year", "--trainer", "LightGbm",
            "--features", "alumni_employment,publications,citations,quality_of_education,national_rank"];
        var first = _cli.Json(args);
        Assert.True(first.Exit == 0, first.Err);
        var firstRun = first.Json["runs"]![0]!;

        var second = _cli.Json(args);
        var again = second.Json["runs"]![0]!;
        Assert.Equal("cached", again["status"]!.GetValue<string>());
        Assert.Equal(firstRun["id"]!.GetValue<string>(), again["id"]!.GetValue<string>());
        Assert.Equal(firstRun["metrics"]!.ToJsonString(), again["metrics"]!.ToJsonString());

        var changed = _cli.Json([.. args, "--set", "train.numberOfIterations=50"]);
        var run = changed.Json["runs"]![0]!;
        Assert.Equal("finished", run["status"]!.GetValue<string>());
        var cached = run["stages"]!.AsArray().ToDictionary(s => s!["name"]!.GetValue<string>(), s => s!["cached"]!.GetValue<bool>());
        Assert.True(cached["load"] && cached["featurize"] && cached["split"]);
        Assert.False(cached["train"]);
        Assert.False(cached["evaluate"]);

        var forced = _cli.Json([.. args, "--force"]);
        Assert.All(CachedFlags(forced.Json["runs"]![0]!), Assert.False);
    }

    [Fact]
    public void A_list_value_sweeps_one_run_per_value_and_marks_the_best()
    {
        var (exit, json, err) = _cli.Json("experiment", "run", "--name", "sweep", "--params", CliHarness.ParamsFile,
            "--set", $"data.path={CliHarness.Rankings}", "--set", "train.n_est=5,20,40", "--quiet");

        Assert.True(exit == 0, err);
        var runs = json["runs"]!.AsArray();
        Assert.Equal(3, runs.Count);
        Assert.Equal(["5", "20", "40"], runs.Select(r => r!["params"]!["train.n_est"]!.GetValue<string>()).ToArray());
        Assert.Single(runs, r => r!["best"]!.GetValue<bool>());
        Assert.Equal(3, runs.Select(r => r!["id"]!.GetValue<string>()).Distinct().Count());
        var best = runs.Single(r => r!["best"]!.GetValue<bool>())!;
        Assert.Equal(runs.Max(r => r!["metrics"]!["auc"]!.GetValue<double>()), best["metrics"]!["auc"]!.GetValue<double>());
    }

    [Fact]
    public void Progress_goes_to_stderr_and_names_variant_and_stage()
    {
        var (exit, _, err) = _cli.Run("experiment", "run", "--name", "progress", "--params", CliHarness.ParamsFile,
            "--set", $"data.path={CliHarness.Rankings}", "--set", "train.n_est=5,10", "--json");

        Assert.Equal(0, exit);
        Assert.Contains("run 1/2", err);
        Assert.Contains("run 2/2", err);
        Assert.Contains("featurize", err);
        Assert.Contains("train", err);
    }

    [Fact]
    public void Auto_tries_several_trainers_and_keeps_the_best_by_auc()
    {
        var (exit, json, err) = _cli.Json("experiment", "run", "--name", "auto", "--params", CliHarness.ParamsFile,
            "--set", $"data.path={CliHarness.Rankings}", "--set", "train.n_est=", "--trainer", "auto", "--quiet");

        Assert.True(exit == 0, err);
        var runs = json["runs"]!.AsArray();
        Assert.True(runs.Count >= 3);
        Assert.True(runs.Select(r => r!["trainer"]!.GetValue<string>()).Distinct().Count() == runs.Count);
        var best = runs.Single(r => r!["best"]!.GetValue<bool>())!;
        Assert.Equal(json["best"]!.GetValue<string>(), best["id"]!.GetValue<string>());
        Assert.Equal(runs.Max(r => r!["metrics"]!["auc"]!.GetValue<double>()), best["metrics"]!["auc"]!.GetValue<double>());
    }

    [Fact]
    public void Three_data_sets_of_a_folder_run_with_their_own_feature_lists()
    {
        var (exit, json, err) = _cli.Json("experiment", "run", "--name", "files", "--params", CliHarness.ParamsFile,
            "--set", $"data.path={CliHarness.Rankings}", "--set", "data.file=cwurData,timesData,shanghaiData", "--trainer", "LightGbm",
            "--set", "train.n_est=", "--quiet");

        Assert.True(exit == 0, err);
        var runs = json["runs"]!.AsArray();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, r => Assert.Equal("finished", r!["status"]!.GetValue<string>()));
        Assert.All(runs, r => Assert.True(r!["metrics"]!["auc"]!.GetValue<double>() > 0.8));
    }

    [Fact]
    public void Use_case_1_with_LightGbm_beats_the_published_random_forest_on_cwurData()
    {
        // Published (scikit-learn random forest, 100 trees): precision 0.941, recall 0.980, F1 0.960, accuracy 0.960, ROC AUC 0.991.
        var (exit, json, err) = _cli.Json("experiment", "run", "--name", "acceptance", "--params", CliHarness.ParamsFile,
            "--set", $"data.path={CliHarness.Rankings}", "--trainer", "LightGbm", "--quiet");

        Assert.True(exit == 0, err);
        var metrics = json["runs"]![0]!["metrics"]!;
        Assert.True(metrics["auc"]!.GetValue<double>() > 0.991);
        Assert.True(metrics["f1"]!.GetValue<double>() > 0.960);
        Assert.True(metrics["accuracy"]!.GetValue<double>() > 0.960);
        Assert.True(metrics["precision"]!.GetValue<double>() > 0.941);
        Assert.True(metrics["recall"]!.GetValue<double>() >= 0.980);
    }
}
