using System.Text.Json.Nodes;

namespace MlOps.Cli.Tests;

/// <summary>
/// Each bad input gives exit code 1, one clear paragraph naming the problem and the fix, and leaves no run
/// behind (or, for a failure while training, a run stored as failed, never as finished).
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string Cwur => Path.Combine(CliHarness.Rankings, "cwurData.csv");

    private static readonly string[] Label = ["--filter", "world_rank <= 100", "--label", "world_rank < 50", "--split-by", "year"];

    /// <summary>Runs and asserts: exit 1, the message holds every fragment, and no run was stored.</summary>
    private void AssertRejected(string[] args, params string[] fragments)
    {
        var (exit, json, err) = _cli.Json(["experiment", "run", "--name", "bad", "--quiet", .. args]);
        Assert.Equal(1, exit);
        var message = json["error"]?.GetValue<string>() ?? err;
        foreach (var fragment in fragments)
            Assert.Contains(fragment, message);
        Assert.StartsWith("error: ", err);
        Assert.DoesNotContain("\n   at ", err); // no stack trace
        var list = _cli.Json("experiment", "list", "--name", "bad");
        Assert.Empty(list.Json["runs"]!.AsArray());
    }

    [Fact]
    public void Missing_file() => AssertRejected(["--data", Path.Combine(_cli.Directory, "nope.csv"), "--label", "y"], "nope.csv", "does not exist");

    [Fact]
    public void Empty_file() => AssertRejected(["--data", _cli.WriteFile("empty.csv", ""), "--label", "y"], "empty.csv", "empty");

    [Fact]
    public void Header_only() => AssertRejected(["--data", _cli.WriteFile("header.csv", "a,b,y\n"), "--label", "y"], "header.csv", "no");

    [Fact]
    public void Label_column_missing() => AssertRejected(["--data", Cwur, "--label", "rank_world < 50"], "rank_world", "world_rank");

    [Fact]
    public void Label_with_a_single_class() =>
        AssertRejected(["--data", Cwur, "--filter", "world_rank <= 100", "--label", "world_rank < 5000", "--task", "binary"], "single class");

    [Fact]
    public void Unknown_trainer() => AssertRejected(["--data", Cwur, .. Label, "--trainer", "RandomJungle"], "RandomJungle", "FastForest", "LightGbm", "Pick one with --trainer");

    [Fact]
    public void Unknown_trainer_option() =>
        AssertRejected(["--data", Cwur, .. Label, "--trainer", "FastForest", "--set", "train.numTrees=10"], "numTrees", "numberOfTrees");

    [Fact]
    public void Ill_typed_trainer_option() =>
        AssertRejected(["--data", Cwur, .. Label, "--trainer", "FastForest", "--set", "train.numberOfTrees=many"], "numberOfTrees", "many", "expected integer", "--set train.numberOfTrees=");

    [Fact]
    public void Feature_column_missing() =>
        AssertRejected(["--data", Cwur, .. Label, "--features", "publications,nobel_prizes"], "nobel_prizes", "publications");

    [Fact]
    public void Non_numeric_feature_not_encodable() =>
        AssertRejected(["--data", Cwur, .. Label, "--features", "publications,institution"], "institution", "--categorical");

    [Fact]
    public void Expression_that_does_not_parse() => AssertRejected(["--data", Cwur, "--filter", "world_rank <=", "--label", "world_rank < 50"], "does not parse", "after 'world_rank <='", "Fix the filter");

    [Fact]
    public void Params_file_that_does_not_parse() =>
        AssertRejected(["--params", _cli.WriteFile("params.yaml", "featurize:\n  max_rank: [1, 2\n")], "params.yaml", "YAML");

    [Fact]
    public void A_run_that_throws_while_training_is_stored_as_failed_not_finished()
    {
        var (exit, json, err) = _cli.Json(["experiment", "run", "--name", "boom", "--quiet", "--data", Cwur, .. Label,
            "--trainer", "FastForest", "--set", "train.numberOfLeaves=1"]);

        Assert.Equal(1, exit);
        var run = Assert.Single(json["runs"]!.AsArray())!;
        Assert.Equal("failed", run["status"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(run["error"]!.GetValue<string>()));
        Assert.Empty(run["metrics"]!.AsObject());

        var stored = _cli.Json("experiment", "show", run["id"]!.GetValue<string>());
        Assert.Equal("failed", stored.Json["status"]!.GetValue<string>());
        Assert.Equal(run["error"]!.GetValue<string>(), stored.Json["error"]!.GetValue<string>());
        Assert.Null(stored.Json["model"]);
    }
}
