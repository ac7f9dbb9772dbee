using System.Text.Json.Nodes;

namespace MlOps.Cli.Tests;

/// <summary>`mlops deploy batch`: the --json contract scripts rely on, exit codes, the human summary, the run it records.</summary>
public sealed class DeployBatchTests : IDisposable
{
    private const string Model = "RFClass-batch";
    private readonly CliHarness _cli = new();

    public DeployBatchTests() => _cli.TrainRegisterPromote(Model);

    public void Dispose() => _cli.Dispose();

    private static string Input => Path.Combine(CliHarness.Rankings, "cwurData.csv");

    [Fact]
    public void Json_gives_rows_rejected_seconds_rowsPerSecond_first_and_exit_0_even_with_rejects()
    {
        var lines = File.ReadAllLines(Input).Take(101).ToList();
        lines[5] = string.Join(",", lines[5].Split(',').Take(3));
        var input = _cli.WriteFile("in.csv", string.Join("\n", lines));
        var output = Path.Combine(_cli.Directory, "out.csv");

        var (exit, json, err) = _cli.Json("deploy", "batch", "--model", Model, "--input", input, "--output", output, "--log-sample-rate", "1");

        Assert.True(exit == 0, err);
        Assert.Equal(["rows", "rejected", "seconds", "rowsPerSecond"], json.Select(p => p.Key).Take(4));
        Assert.Equal(100, json["rows"]!.GetValue<long>());
        Assert.Equal(1, json["rejected"]!.GetValue<long>());
        Assert.True(json["seconds"]!.GetValue<double>() > 0);
        Assert.True(json["rowsPerSecond"]!.GetValue<double>() > 0);
        Assert.Equal(99, json["scored"]!.GetValue<long>());
        Assert.Equal(output + ".rejects.csv", json["rejects"]!.GetValue<string>());
        Assert.Equal(99, json["logged"]!["written"]!.GetValue<long>());
        Assert.Equal(100, File.ReadLines(output).Count());
        Assert.Equal(2, File.ReadLines(output + ".rejects.csv").Count());

        // The scoring is a run of <model>.scoring, listed with the experiments.
        var runs = _cli.Json("experiment", "list").Json;
        var run = runs["runs"]!.AsArray().Single(r => r!["id"]!.GetValue<string>() == json["run"]!.GetValue<string>())!;
        Assert.Equal((Model + ".scoring", "finished"), (run["experiment"]!.GetValue<string>(), run["status"]!.GetValue<string>()));
        Assert.Equal(1, run["metrics"]!["rejected"]!.GetValue<double>());
    }

    [Fact]
    public void Without_json_a_short_summary_says_rows_per_second_and_where_rejects_went()
    {
        var input = _cli.WriteFile("bad.csv", string.Join("\n", File.ReadAllLines(Input).Take(20)) + "\n1,2,3\n");
        var output = Path.Combine(_cli.Directory, "scored.csv");
        var rejects = Path.Combine(_cli.Directory, "rejected.csv");
        var (exit, stdout, err) = _cli.Run("deploy", "batch", "--model", Model, "--input", input, "--output", output, "--rejects", rejects, "--key", "institution");
        Assert.True(exit == 0, err);
        Assert.Contains("rows/s", stdout);
        Assert.Contains($"Rejected 1 rows (line and reason each) -> {rejects}", stdout);
        Assert.StartsWith("institution,predicted_label,", File.ReadLines(output).First());
    }

    [Fact]
    public void Errors_exit_1_with_one_paragraph_and_leave_no_output()
    {
        var output = Path.Combine(_cli.Directory, "none.csv");
        var noColumn = _cli.WriteFile("partial.csv", "institution,year\nHarvard,2015\n");
        var (exit, json, err) = _cli.Json("deploy", "batch", "--model", Model, "--input", noColumn, "--output", output);
        Assert.Equal(1, exit);
        Assert.Contains("Missing column", json["error"]!.GetValue<string>());
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.False(File.Exists(output));

        Assert.Equal(1, _cli.Run("deploy", "batch", "--model", Model, "--input", Path.Combine(_cli.Directory, "nope.csv"), "--output", output).Exit);
        Assert.Equal(1, _cli.Run("deploy", "batch", "--model", "unknown-model", "--input", Input, "--output", output).Exit);
        Assert.Equal(1, _cli.Run("deploy", "batch", "--model", Model, "--stage", "Staging", "--input", Input, "--output", output).Exit);
        Assert.False(File.Exists(output));
    }
}
