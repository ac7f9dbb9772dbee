using System.Text.Json.Nodes;
using MlOps.Tests.Shared;

namespace MlOps.Cli.Tests;

/// <summary>
/// `mlops monitor` on a real rankings model in Production (trained on 2012-2014) with windows written from cwurData.csv:
/// the exit code and the --json contract for each verdict, and --apply retraining through the gates.
/// </summary>
public sealed class MonitorCliTests : IDisposable
{
    private const string Model = "rankings";
    private readonly CliHarness _cli = new();

    public MonitorCliTests()
    {
        var (exit, _, err) = _cli.Json("experiment", "run", "--name", "rankings", "--params", CliHarness.ParamsFile,
            "--set", $"data.path={Cwur}", "--set", "train.n_est=20", "--quiet");
        Assert.True(exit == 0, err);
        Assert.Equal(0, _cli.Run("register", "--best", "--experiment", "rankings", "--model", Model).Exit);
        Assert.Equal(0, _cli.Run("promote", "--model", Model, "--version", "1", "--stage", "Production", "--reason", "first model").Exit);
    }

    private static string Cwur => Path.Combine(CliHarness.Rankings, "cwurData.csv");

    private string Catalog => Path.Combine(_cli.Directory, "catalog");

    private static readonly string[] TrainingYears = ["2012", "2013", "2014"];

    private string Window(string name, Func<string, int, string?, string?>? change = null, params string[] drop) =>
        RankingsWindows.Write(Cwur, Path.Combine(_cli.Directory, name + ".csv"), TrainingYears, change, drop);

    private (int Exit, JsonObject Json, string Err) Monitor(string window, params string[] more) =>
        _cli.Json(["monitor", "--model", Model, "--data", window, "--catalog", Catalog, .. more]);

    [Fact]
    public void A_clean_window_is_healthy_with_exit_0_and_the_json_contract()
    {
        var (exit, json, err) = Monitor(Window("clean"));

        Assert.True(exit == 0, err + json);
        Assert.Equal(Model, json["model"]!.GetValue<string>());
        Assert.Equal(1, json["version"]!.GetValue<int>());
        Assert.Equal("healthy", json["status"]!.GetValue<string>());
        Assert.Null(json["decision"]);
        Assert.True(json.ContainsKey("decision"));
        var checks = json["checks"]!.AsArray();
        Assert.NotEmpty(checks);
        foreach (var check in checks.Select(c => c!.AsObject()))
        {
            Assert.Equal(["name", "feature", "value", "threshold", "passed"], check.Select(p => p.Key).Take(5));
            Assert.True(check["passed"]!.GetValue<bool>());
        }
        Assert.Contains(checks, c => c!["name"]!.GetValue<string>() == "drift.share" && c["feature"] is null);
        Assert.Contains(checks, c => c!["name"]!.GetValue<string>() == "drift.psi" && c["feature"]!.GetValue<string>() == "publications");
        Assert.Contains(checks, c => c!["name"]!.GetValue<string>() == "performance.auc");
    }

    [Theory]
    [InlineData("new-category", "2b", "schema.new_category")]
    [InlineData("dropped-column", "3", "schema.missing_column")]
    [InlineData("drift-and-labels", "1", "drift.psi")]
    public void A_degraded_window_exits_4_with_the_matching_decision(string kind, string code, string evidence)
    {
        var window = kind switch
        {
            "new-category" => Window(kind, (column, row, cell) => column == "country" && row % 3 == 0 ? "Atlantis" : cell),
            "dropped-column" => Window(kind, null, "quality_of_education"),
            _ => Window(kind, (column, row, cell) => RankingsWindows.ReversedLabels(column, row, RankingsWindows.Scaled("publications", 1.5)(column, row, cell))),
        };

        var (exit, json, err) = Monitor(window);

        Assert.True(exit == 4, err + json);
        Assert.Equal("degraded", json["status"]!.GetValue<string>());
        var decision = json["decision"]!.AsObject();
        Assert.Equal(["code", "reason", "evidence", "action", "applied", "newVersion"], decision.Select(p => p.Key).Take(6));
        Assert.Equal(code, decision["code"]!.GetValue<string>());
        Assert.Contains(decision["evidence"]!.AsArray(), e => e!.GetValue<string>().StartsWith(evidence));
        Assert.False(decision["applied"]!.GetValue<bool>());
        Assert.Null(decision["newVersion"]);
        Assert.Single(_cli.Json("models", "show", Model).Json["versions"]!.AsArray());
    }

    [Fact]
    public void Apply_on_degraded_labels_retrains_promotes_and_exits_5()
    {
        var window = Window("reversed", RankingsWindows.ReversedLabels);

        var dry = Monitor(window, "--dry-run");
        Assert.True(dry.Exit == 4, dry.Err);
        Assert.True(dry.Json["decision"]!["dryRun"]!.GetValue<bool>());
        Assert.Equal(Path.GetFullPath(window), dry.Json["decision"]!["plan"]!["data"]!.GetValue<string>());
        Assert.Single(_cli.Json("models", "show", Model).Json["versions"]!.AsArray());

        var (exit, json, err) = Monitor(window, "--apply");

        Assert.True(exit == 5, err + json);
        Assert.Equal("acted", json["status"]!.GetValue<string>());
        var decision = json["decision"]!;
        Assert.Equal("1", decision["code"]!.GetValue<string>());
        Assert.True(decision["applied"]!.GetValue<bool>());
        Assert.Equal(2, decision["newVersion"]!.GetValue<int>());
        var versions = _cli.Json("models", "show", Model).Json["versions"]!.AsArray();
        Assert.Equal("Production", versions.Single(v => v!["version"]!.GetValue<int>() == 2)!["stage"]!.GetValue<string>());

        // The catalog tells the story: monitored, decided by the policy, acted; the new version has its profile, so
        // monitoring it needs no training data read.
        var shown = new StringWriter();
        Assert.Equal(0, CliApp.Run(["catalog", "show", Model, "--catalog", Catalog, "--json"], shown, TextWriter.Null));
        Assert.Contains("\"monitoringStatus\": \"acted\"", shown.ToString());
        var healthyNow = Monitor(window, "--window", "reversed-after");
        Assert.True(healthyNow.Exit is 0 or 4, healthyNow.Err);
        Assert.Equal(2, healthyNow.Json["version"]!.GetValue<int>());

        var (historyExit, history, _) = _cli.Json("monitor", "history", "--model", Model);
        Assert.Equal(0, historyExit);
        Assert.Equal(["reversed", "reversed-after"], history["windows"]!.AsArray().Select(w => w!["window"]!.GetValue<string>()));
        Assert.Equal("performance.auc", history["windows"]![0]!["metric"]!.GetValue<string>());
    }

    [Fact]
    public void A_bad_model_exits_1_with_one_paragraph()
    {
        var (exit, output, err) = _cli.Run("monitor", "--model", "ghost", "--data", Window("clean"));

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.StartsWith("error: No model 'ghost'", err);
        Assert.Single(err.Trim().Split('\n'));
        // No window at all: --data or --from-log is needed (a one-paragraph error, exit 1).
        var missing = _cli.Run("monitor", "--model", Model);
        Assert.Equal(1, missing.Exit);
        Assert.Contains("--data <csv> or --from-log", missing.Err);
    }

    public void Dispose() => _cli.Dispose();
}
