using System.Diagnostics;
using System.Text.Json.Nodes;

namespace MlOps.Cli.Tests;

/// <summary>The registry command-line contract on real runs: register, promote, rollback, models, gate, bad input, two processes.</summary>
public sealed class RegistryCliTests : IDisposable
{
    private const string Model = "RFClass-cwurData";
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>Two real runs (1 and 50 trees) on cwurData.csv; returns their ids, lower auc first.</summary>
    private (string Weak, string Strong) TwoRuns()
    {
        var (exit, json, err) = _cli.Json("experiment", "run", "--name", "uc2", "--params", CliHarness.ParamsFile,
            "--set", $"data.path={Path.Combine(CliHarness.Rankings, "cwurData.csv")}", "--set", "train.n_est=1,50", "--quiet");
        Assert.True(exit == 0, err);
        var runs = json["runs"]!.AsArray().OrderBy(r => r!["metrics"]!["auc"]!.GetValue<double>()).ToList();
        return (runs[0]!["id"]!.GetValue<string>(), runs[1]!["id"]!.GetValue<string>());
    }

    private JsonObject Register(string run)
    {
        var (exit, json, err) = _cli.Json("register", "--run", run, "--model", Model);
        Assert.True(exit == 0, err);
        return json;
    }

    [Fact]
    public void Register_prints_the_contract_shape_and_best_picks_the_best_run()
    {
        var (weak, strong) = TwoRuns();

        var first = Register(weak);
        var (exit, best, err) = _cli.Json("register", "--best", "--experiment", "uc2", "--metric", "auc", "--model", Model, "--description", "best of uc2");

        Assert.Equal("""{"model":"RFClass-cwurData","version":1,"run":"RUN","stage":"None"}""".Replace("RUN", weak), first.ToJsonString());
        Assert.True(exit == 0, err);
        Assert.Equal((2, strong), (best["version"]!.GetValue<int>(), best["run"]!.GetValue<string>()));

        var again = _cli.Run("register", "--run", strong, "--model", Model);
        Assert.Equal(1, again.Exit);
        Assert.Contains("already registered as version 2", again.Err);

        // A re-running pipeline asks for the version the run already is: answered, nothing added.
        var (reuseExit, reused, reuseErr) = _cli.Json("register", "--run", strong, "--model", Model, "--reuse");
        Assert.True(reuseExit == 0, reuseErr);
        Assert.Equal("""{"model":"RFClass-cwurData","version":2,"run":"RUN","stage":"None","reused":true}""".Replace("RUN", strong), reused.ToJsonString());
        Assert.Equal(2, _cli.Json("models", "show", Model).Json["versions"]!.AsArray().Count);
    }

    [Fact]
    public void Promote_if_needed_accepts_a_version_already_in_the_stage_and_changes_nothing()
    {
        var (weak, _) = TwoRuns();
        Register(weak);
        Assert.Equal(0, _cli.Run("promote", "--model", Model, "--version", "1", "--stage", "Production", "--reason", "first").Exit);

        var refused = _cli.Run("promote", "--model", Model, "--version", "1", "--stage", "Production", "--reason", "again");
        var (exit, again, err) = _cli.Json("promote", "--model", Model, "--version", "1", "--stage", "Production", "--reason", "again", "--if-needed");

        Assert.Equal(1, refused.Exit);
        Assert.Contains("already in Production", refused.Err);
        Assert.True(exit == 0, err);
        Assert.Equal((false, true, "Production"), (again["promoted"]!.GetValue<bool>(), again["unchanged"]!.GetValue<bool>(), again["stage"]!.GetValue<string>()));
        Assert.Empty(again["gates"]!.AsArray());
        Assert.Single(_cli.Json("models", "show", Model).Json["history"]!.AsArray()); // no second transition
    }

    [Fact]
    public void Promote_runs_the_gates_archives_the_previous_version_and_rollback_restores_it()
    {
        var (weak, strong) = TwoRuns();
        Register(weak);
        Register(strong);

        var (exit1, first, err1) = _cli.Json("promote", "--model", Model, "--version", "1", "--stage", "Production", "--reason", "first release", "--gate", "auc >= 0.5");
        var (exit2, second, err2) = _cli.Json("promote", "--model", Model, "--version", "2", "--stage", "Production", "--reason", "better", "--gate", "auc >= 0.9");

        Assert.True(exit1 == 0, err1);
        Assert.True(exit2 == 0, err2);
        Assert.Equal(("RFClass-cwurData", 2, "Production", true), (second["model"]!.GetValue<string>(), second["version"]!.GetValue<int>(),
            second["stage"]!.GetValue<string>(), second["promoted"]!.GetValue<bool>()));
        Assert.Equal(["auc >= 0.9", "smoke", "schema", "no-regression"], second["gates"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()));
        Assert.All(second["gates"]!.AsArray(), g => Assert.True(g!["passed"]!.GetValue<bool>(), g["detail"]!.GetValue<string>()));

        var (exit3, back, err3) = _cli.Json("rollback", "--model", Model, "--reason", "v2 misbehaves in prod");
        Assert.True(exit3 == 0, err3);
        Assert.Equal((1, "Production"), (back["version"]!.GetValue<int>(), back["stage"]!.GetValue<string>()));

        var shown = _cli.Json("models", "show", Model).Json;
        Assert.Equal(["Production", "Archived"], shown["versions"]!.AsArray().Select(v => v!["stage"]!.GetValue<string>()));
        Assert.True(shown["versions"]![1]!["metrics"]!["auc"]!.GetValue<double>() > 0.9);
        var history = shown["history"]!.AsArray().Select(t => $"v{t!["version"]} {t["from"]}->{t["to"]}").ToList();
        Assert.Equal(["v1 None->Production", "v2 None->Production", "v1 Production->Archived", "v1 Archived->Production", "v2 Production->Archived"], history);
        Assert.Equal("v2 misbehaves in prod", shown["history"]![3]!["reason"]!.GetValue<string>());

        var listed = _cli.Json("models", "list").Json["models"]!.AsArray();
        Assert.Equal((Model, 1), (listed.Single()!["name"]!.GetValue<string>(), listed.Single()!["productionVersion"]!.GetValue<int>()));
    }

    [Fact]
    public void A_refused_promotion_exits_non_zero_and_shows_the_failing_gate()
    {
        var (weak, _) = TwoRuns();
        Register(weak);

        var (exit, json, _) = _cli.Json("promote", "--model", Model, "--version", "1", "--stage", "Staging", "--reason", "try", "--gate", "auc >= 1.01");

        Assert.Equal(3, exit);
        Assert.False(json["promoted"]!.GetValue<bool>());
        Assert.Equal("None", json["stage"]!.GetValue<string>());
        Assert.False(json["gates"]!.AsArray().Single(g => g!["name"]!.GetValue<string>() == "auc >= 1.01")!["passed"]!.GetValue<bool>());
    }

    [Fact]
    public void Gate_exits_non_zero_when_a_declared_gate_fails_and_zero_when_all_pass()
    {
        var (_, strong) = TwoRuns();
        Register(strong);
        var strict = _cli.WriteFile("strict.yaml", $"models:\n  {Model}:\n    gates: [\"auc >= 0.999\"]\n");
        var loose = _cli.WriteFile("loose.yaml", $"models:\n  {Model}:\n    gates: [\"auc >= 0.5\"]\n");

        var failing = _cli.Json("gate", "--model", Model, "--version", "1", "--gates", strict);
        var passing = _cli.Json("gate", "--model", Model, "--version", "1", "--gates", loose);

        Assert.Equal(3, failing.Exit);
        Assert.False(failing.Json["passed"]!.GetValue<bool>());
        Assert.True(passing.Exit == 0, passing.Err);
        Assert.True(passing.Json["passed"]!.GetValue<bool>());
        Assert.Equal("None", _cli.Json("models", "show", Model).Json["versions"]![0]!["stage"]!.GetValue<string>());
    }

    [Fact]
    public void An_altered_artifact_is_refused_and_reported()
    {
        var (weak, _) = TwoRuns();
        Register(weak);
        var sha = _cli.Json("models", "show", Model).Json["versions"]![0]!["artifact"]!["sha256"]!.GetValue<string>();
        var path = Path.Combine(_cli.StorePath, "artifacts", sha[..2], sha);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        var (exit, json, _) = _cli.Json("promote", "--model", Model, "--version", "1", "--stage", "Production", "--reason", "ship");

        Assert.Equal(3, exit);
        var smoke = json["gates"]!.AsArray().Single(g => g!["name"]!.GetValue<string>() == "smoke")!;
        Assert.False(smoke["passed"]!.GetValue<bool>());
        Assert.Contains("corrupted", smoke["detail"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("register", "--run", "ffffeeee", "--model", "m", "No run 'ffffeeee'")]
    [InlineData("promote", "--model", "ghost", "--version", "1", "No model 'ghost'")]
    [InlineData("models", "show", "ghost", "", "", "No model 'ghost'")]
    [InlineData("register", "--run", "ffffeeee", "--model", "../etc/passwd", "is not allowed")]
    [InlineData("register", "--run", "ffffeeee", "--model", "bad\u0007name", "is not allowed")]
    public void Bad_input_is_exit_1_with_one_paragraph(string verb, string a, string b, string c, string d, string expected)
    {
        string[] args = verb == "promote" ? [verb, a, b, c, d, "--stage", "Staging", "--reason", "x"] : [verb, a, b, c, d];
        var (exit, _, err) = _cli.Run(args.Where(x => x.Length > 0).ToArray());
        Assert.Equal(1, exit);
        Assert.Contains(expected, err);
        Assert.DoesNotContain("\u0007", err, StringComparison.Ordinal); // shown escaped, never raw
        Assert.Single(err.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("--version", "1", "--stage", "Production", "Option '--reason' is required")]
    [InlineData("--version", "one", "--reason", "x", "'one'")]
    public void A_usage_error_is_exit_2_and_with_json_still_one_error_object(string a, string b, string c, string d, string expected)
    {
        var (exit, json, err) = _cli.Json("promote", "--model", Model, a, b, c, d);

        Assert.Equal(2, exit);
        Assert.Contains(expected, json["error"]!.GetValue<string>());
        Assert.Contains(expected, err);
    }

    [Fact]
    public void A_gate_file_that_does_not_parse_and_a_threshold_on_a_missing_metric_are_errors()
    {
        var (weak, _) = TwoRuns();
        Register(weak);
        var broken = _cli.WriteFile("gates.yaml", "models: [unclosed");

        var parse = _cli.Run("promote", "--model", Model, "--version", "1", "--stage", "Staging", "--reason", "x", "--gates", broken);
        var missing = _cli.Run("promote", "--model", Model, "--version", "1", "--stage", "Staging", "--reason", "x", "--gate", "rmse <= 3.2");

        Assert.Equal(1, parse.Exit);
        Assert.Contains("not valid YAML", parse.Err);
        Assert.Equal(1, missing.Exit);
        Assert.Contains("'rmse'", missing.Err);
    }

    [Fact]
    public void Two_processes_promoting_two_versions_at_once_leave_exactly_one_Production_version()
    {
        var (weak, strong) = TwoRuns();
        Register(weak);
        Register(strong);
        // A wide tolerance so both promotions pass no-regression whichever lands first: the test is about the race.
        var gates = _cli.WriteFile("race.yaml", $"models:\n  {Model}:\n    no_regression: {{ tolerance: 1 }}\n");
        var mlops = Path.Combine(AppContext.BaseDirectory, "mlops.dll");
        Process Start(string version)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                // A fixed directory: tests running beside this one may move the process's current one and delete it.
                WorkingDirectory = Path.GetTempPath(),
                ArgumentList = { mlops, "promote", "--model", Model, "--version", version, "--stage", "Production", "--reason", "race " + version, "--gates", gates, "--store", _cli.StorePath, "--json" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            // The audit trail's "who": v1 is promoted by a CI job (CI=true), v2 by a person (the OS user name).
            if (version == "1") start.Environment["CI"] = "true";
            else start.Environment.Remove("CI");
            return Process.Start(start)!;
        }
        using var first = Start("1");
        using var second = Start("2");
        var outputs = new[] { first, second }.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToList();
        Assert.True(first.WaitForExit(TimeSpan.FromMinutes(3)) && second.WaitForExit(TimeSpan.FromMinutes(3)));
        Assert.True(first.ExitCode == 0, outputs[0].Err.Result + outputs[0].Out.Result);
        Assert.True(second.ExitCode == 0, outputs[1].Err.Result + outputs[1].Out.Result);

        var shown = _cli.Json("models", "show", Model).Json;
        var stages = shown["versions"]!.AsArray().Select(v => v!["stage"]!.GetValue<string>()).ToList();
        Assert.Single(stages, s => s == "Production");
        Assert.Single(stages, s => s == "Archived");
        var history = shown["history"]!.AsArray();
        Assert.Equal(3, history.Count);
        Assert.Equal([1L, 2L, 3L], history.Select(t => t!["sequence"]!.GetValue<long>()));
        // Consistent order: the later promotion displaces the earlier one, and the survivor is the later one.
        var promotions = history.Where(t => t!["to"]!.GetValue<string>() == "Production").Select(t => t!["version"]!.GetValue<int>()).ToList();
        Assert.Equal([1, 2], promotions.Order());
        Assert.Equal(promotions[0], history[2]!["version"]!.GetValue<int>());
        Assert.Equal("Archived", history[2]!["to"]!.GetValue<string>());
        Assert.Equal("Production", stages[promotions[1] - 1]);
        var by = history.Where(t => t!["to"]!.GetValue<string>() == "Production").ToDictionary(t => t!["version"]!.GetValue<int>(), t => t!["by"]!.GetValue<string>());
        Assert.Equal(("ci", Environment.UserName), (by[1], by[2]));
    }

    [Fact]
    public void Alias_moves_between_versions_and_unalias_removes_it()
    {
        var (weak, strong) = TwoRuns();
        Register(weak);
        Register(strong);

        var (exit1, first, err1) = _cli.Json("models", "alias", "--model", Model, "--version", "1", "--alias", "champion");
        var (exit2, moved, err2) = _cli.Json("models", "alias", "--model", Model, "--version", "2", "--alias", "champion");
        Assert.True(exit1 == 0, err1);
        Assert.True(exit2 == 0, err2);
        Assert.Equal("""{"model":"RFClass-cwurData","version":1,"alias":"champion","aliases":["champion"]}""", first.ToJsonString());
        Assert.Equal(2, moved["version"]!.GetValue<int>());
        string Aliases() => string.Join("|", _cli.Json("models", "show", Model).Json["versions"]!.AsArray().Select(v => string.Join(",", v!["aliases"]!.AsArray())));
        Assert.Equal("|champion", Aliases());

        var (exit3, removed, err3) = _cli.Json("models", "unalias", "--model", Model, "--alias", "champion");
        Assert.True(exit3 == 0, err3);
        Assert.Equal("""{"model":"RFClass-cwurData","alias":"champion","removedFrom":2}""", removed.ToJsonString());
        Assert.Equal("|", Aliases());

        var bad = _cli.Run("models", "alias", "--model", Model, "--version", "1", "--alias", "../x");
        var ghost = _cli.Run("models", "alias", "--model", Model, "--version", "9", "--alias", "champion");
        Assert.Equal((1, 1), (bad.Exit, ghost.Exit));
        Assert.Contains("is not allowed", bad.Err);
        Assert.Contains("has no version 9", ghost.Err);
    }

    [Fact]
    public void Lineage_goes_from_a_version_to_its_run_params_featurizer_and_data_and_trained_on_comes_back()
    {
        var (weak, strong) = TwoRuns();
        Register(weak);
        Register(strong);
        var run = _cli.Json("experiment", "show", strong).Json;

        var (exit, lineage, err) = _cli.Json("models", "lineage", "--model", Model, "--version", "2");

        Assert.True(exit == 0, err);
        Assert.Equal((strong, true, "Finished"), (lineage["run"]!.GetValue<string>(), lineage["runInStore"]!.GetValue<bool>(), lineage["runStatus"]!.GetValue<string>()));
        Assert.Equal("50", lineage["params"]!["train.n_est"]!.GetValue<string>());
        // The code hash covers notebook-defined steps; a params.yaml run has none, so it is the run's (empty) hash.
        Assert.Equal(run["featurizerCodeHash"]!.GetValue<string>(), lineage["featurizerCodeHash"]!.GetValue<string>());
        var data = lineage["data"]!["sha256"]!.GetValue<string>();
        Assert.Equal(run["data"]!["sha256"]!.GetValue<string>(), data);

        // Both runs read the same file, so both versions come back; a prefix works as it does everywhere else.
        var (exit2, forward, err2) = _cli.Json("models", "trained-on", "--data", data[..12]);
        Assert.True(exit2 == 0, err2);
        Assert.Equal([(Model, 1, weak), (Model, 2, strong)], forward["versions"]!.AsArray()
            .Select(v => (v!["model"]!.GetValue<string>(), v["version"]!.GetValue<int>(), v["run"]!.GetValue<string>())));

        var none = _cli.Json("models", "trained-on", "--data", new string('0', 64));
        Assert.Equal(0, none.Exit);
        Assert.Empty(none.Json["versions"]!.AsArray());
        var tooShort = _cli.Run("models", "trained-on", "--data", "abc");
        Assert.Equal(1, tooShort.Exit);
        Assert.Contains("at least its first 8 characters", tooShort.Err);
    }
}
