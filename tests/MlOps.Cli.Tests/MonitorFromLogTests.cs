using MlOps.Data;
using MlOps.Serving;
using MlOps.Storage.LiteDb;

namespace MlOps.Cli.Tests;

/// <summary>`mlops monitor --from-log`: a window taken from the prediction log (served rows, no labels).</summary>
public sealed class MonitorFromLogTests : IDisposable
{
    private const string Model = "RFClass-logged";
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>Log the 2014 rows of cwurData as served predictions, as a server with logging on would.</summary>
    private void LogServedRows(Func<string, string?, object?> cell, DateTime at)
    {
        var table = TableLoader.Load(Path.Combine(CliHarness.Rankings, "cwurData.csv"));
        var inputs = new[] { "alumni_employment", "publications", "citations", "quality_of_education", "country", "national_rank" };
        var rows = Enumerable.Range(0, table.RowCount).Where(r => table["year"].GetText(r) == "2014").ToList();
        using var store = LiteDbRunStore.Open(_cli.StorePath);
        store.AppendPredictions(rows.Select(r => new LoggedPrediction(Model, 1, at, "serve",
            inputs.ToDictionary(c => c, c => cell(c, table[c].GetText(r))), "False", 0.1, 0.1)).ToList());
    }

    private static object? AsServed(string column, string? text) =>
        column == "country" ? text : double.Parse(text!, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_window_from_the_log_is_checked_like_a_file_and_a_shifted_feature_is_flagged()
    {
        _cli.TrainRegisterPromote(Model);
        var yesterday = DateTime.UtcNow.AddDays(-1);
        LogServedRows(AsServed, yesterday);
        // Today the publications arrive on another scale.
        LogServedRows((c, t) => c == "publications" ? (double)AsServed(c, t)! * 3 : AsServed(c, t), DateTime.UtcNow);

        var (exit, json, err) = _cli.Json("monitor", "--model", Model, "--from-log", "--until", DateTime.UtcNow.AddHours(-12).ToString("O"));
        Assert.True(exit is 0 or 4, err);
        var before = Psi(json, "publications");
        var citationsBefore = Psi(json, "citations");

        (exit, json, err) = _cli.Json("monitor", "--model", Model, "--from-log", "--since", DateTime.UtcNow.AddHours(-12).ToString("O"));
        Assert.True(exit == 4, err);
        var after = Psi(json, "publications");
        Assert.False(after.Passed);
        Assert.True(after.Value > before.Value + 0.5, $"PSI {before.Value} -> {after.Value}");
        // Only yesterday's rows went into the first window: the other features read the same in both.
        Assert.Equal(citationsBefore.Value, Psi(json, "citations").Value, 12);
    }

    private static (double Value, bool Passed) Psi(System.Text.Json.Nodes.JsonObject json, string feature)
    {
        var check = json["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "drift.psi" && c["feature"]?.GetValue<string>() == feature)!;
        return (check["value"]!.GetValue<double>(), check["passed"]!.GetValue<bool>());
    }

    [Fact]
    public void An_empty_log_or_two_windows_at_once_are_refused_with_the_fix()
    {
        _cli.TrainRegisterPromote(Model);

        var (exit, _, err) = _cli.Run("monitor", "--model", Model, "--from-log");
        Assert.Equal(1, exit);
        Assert.Contains("--log-sample-rate", err);
        (exit, _, err) = _cli.Run("monitor", "--model", Model, "--from-log", "--data", "x.csv");
        Assert.Equal(1, exit);
        Assert.Contains("one of them", err);
    }
}
