using System.Globalization;
using MlOps.Core.Tests.Data;
using MlOps.Data;
using MlOps.Monitoring;
using MlOps.Serving;
using MlOps.Tests.Shared;
using Xunit.Abstractions;

namespace MlOps.Tests.Monitoring;

/// <summary>
/// The monitor on the real rankings model. The model trains on 2012-2014, but 2012 and 2013 ranked only 100
/// universities and 2014 ranked 1000, so sub-ranks (publications, citations, ...) of a top-100 university grow from
/// 2014 on: against the training years, 2015 genuinely drifts. Clean comparisons use 2014 as the reference instead.
/// </summary>
public sealed class ModelMonitorTests(RankingsModel rankings, ITestOutputHelper output) : IClassFixture<RankingsModel>
{
    private static string Scaled(string? cell, double factor) => (double.Parse(cell!, CultureInfo.InvariantCulture) * factor).ToString(CultureInfo.InvariantCulture);

    /// <summary>Rows the model's filter keeps (world_rank &lt;= 100).</summary>
    private static Table Top100(Table table)
    {
        var rows = Enumerable.Range(0, table.RowCount).Where(r => double.Parse(table["world_rank"].Text![r]!, CultureInfo.InvariantCulture) <= 100).ToArray();
        return new Table(table.Name, table.Columns.Select(c => new TableColumn(c.Name, rows.Select(r => c.Text![r]).ToArray())).ToList());
    }

    private ModelMonitor MonitorAgainst2014()
    {
        var reference = Top100(rankings.Year("2014"));
        using var scorer = ModelScorer.Load(rankings.Version, rankings.Store.Artifacts);
        return new ModelMonitor(rankings.Version, ReferenceProfile.Build(reference, rankings.Version, scorer), rankings.Store.Artifacts);
    }

    private MonitoringReport Print(MonitoringReport report)
    {
        foreach (var c in report.Checks) output.WriteLine($"{c.Name} [{c.Feature}] {c.Value:0.####} vs {c.Threshold:0.####} {(c.Passed ? "ok" : "FAIL")}: {c.Detail}");
        foreach (var n in report.Notes) output.WriteLine("note: " + n);
        return report;
    }

    private static IEnumerable<string?> DriftedFeatures(MonitoringReport report) =>
        report.Failed.Where(c => CheckNames.IsFeatureDrift(c.Name)).Select(c => c.Feature).Distinct();

    [Fact]
    public void The_profile_is_built_once_from_the_training_rows_only()
    {
        // 2012-2014 top 100 = 300 rows; 2015 is the held-out year.
        Assert.Equal(300, rankings.Profile.Rows);
        Assert.Equal(["alumni_employment", "publications", "citations", "quality_of_education", "national_rank"], rankings.Profile.Numeric.Select(n => n.Column));
        Assert.Equal("country", rankings.Profile.Categorical.Single().Column);
        Assert.Equal(300, rankings.Profile.Predictions!.Present);
        Assert.Contains("year", rankings.Profile.DataColumns);
        Assert.Equal(rankings.Profile.ToJson(), ReferenceProfile.FromJson(rankings.Profile.ToJson()).ToJson());
    }

    [Fact]
    public void A_shifted_feature_is_flagged_and_the_others_are_not()
    {
        using var monitor = MonitorAgainst2014();
        var clean = Print(monitor.Check(rankings.Year("2015"), "2015"));
        Assert.Empty(DriftedFeatures(clean));

        var shifted = Print(monitor.Check(rankings.Year("2015", (column, _, cell) => column == "publications" ? Scaled(cell, 1.5) : cell), "2015-shifted"));
        Assert.Equal(["publications"], DriftedFeatures(shifted));
        Assert.Equal(100, shifted.Rows);
        Assert.True(shifted.Labelled);
        Assert.True(shifted.Checks.Single(c => c.Name == CheckNames.DriftShare).Passed); // 1 of 6 features
    }

    [Fact]
    public void Against_the_training_years_2015_drifts_as_a_whole()
    {
        using var monitor = rankings.Monitor();
        var report = Print(monitor.Check(rankings.Year("2015"), "2015"));
        Assert.False(report.Checks.Single(c => c.Name == CheckNames.DriftShare).Passed);
        Assert.Equal(MonitoringReport.Degraded, report.Status);
        Assert.Equal(Decision.Retrain, DecisionRules.Decide(report)!.Code);
    }

    [Fact]
    public void Schema_drift_is_flagged_a_new_category_a_null_jump_and_a_dropped_column()
    {
        using var monitor = MonitorAgainst2014();
        string? Broken(string column, int row, string? cell) =>
            column == "country" && row % 3 == 0 ? "Atlantis" : column == "citations" && row % 4 == 0 ? "" : cell;
        var report = Print(monitor.Check(rankings.Year("2015", Broken), "broken"));
        var failed = report.Failed.Select(c => (c.Name, c.Feature)).ToList();
        Assert.Contains((CheckNames.NewCategory, "country"), failed);
        Assert.Contains((CheckNames.NullRate, "citations"), failed);
        Assert.DoesNotContain(failed, f => f.Name == CheckNames.MissingColumn);
        Assert.Equal(Decision.Processing, DecisionRules.Decide(report)!.Code);

        var dropped = Print(monitor.Check(rankings.Year("2015", drop: ["quality_of_education"]), "dropped"));
        Assert.Contains((CheckNames.MissingColumn, "quality_of_education"), dropped.Failed.Select(c => (c.Name, c.Feature)));
        Assert.Contains(dropped.Notes, n => n.Contains("quality_of_education"));
        Assert.Equal(Decision.Inputs, DecisionRules.Decide(dropped)!.Code);

        var text = Print(monitor.Check(rankings.Year("2015", (c, r, v) => c == "publications" && r % 2 == 0 ? "n/a-ish" : v), "text"));
        Assert.Contains((CheckNames.TypeChange, "publications"), text.Failed.Select(c => (c.Name, c.Feature)));
    }

    [Fact]
    public void Wrong_labels_bring_performance_down_and_decide_a_retrain()
    {
        using var monitor = MonitorAgainst2014();
        // Reverse the ranking inside the top 100: the top 50 become the bottom 50, so the label flips.
        var report = Print(monitor.Check(rankings.Year("2015", (c, _, v) =>
            c == "world_rank" && double.Parse(v!, CultureInfo.InvariantCulture) <= 100 ? (101 - double.Parse(v!, CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture) : v), "reversed"));
        var auc = report.Checks.Single(c => c.Name == "performance.auc");
        Assert.False(auc.Passed);
        Assert.True(auc.Value < 0.1, auc.Detail);
        var decision = DecisionRules.Decide(report)!;
        Assert.Equal(Decision.Retrain, decision.Code);
        Assert.Contains("without input drift", decision.Reason);
        Assert.True(decision.Automatic);
    }

    [Fact]
    public void Cbpe_estimates_the_held_out_accuracy_within_a_few_points()
    {
        using var monitor = rankings.Monitor();
        // The held-out rows (2015, top 100) with every column that gives the label away removed.
        var heldOut = Top100(rankings.Year("2015"));
        var unlabelled = new Table("unlabelled", heldOut.Columns.Where(c => c.Name is not ("world_rank" or "score")).ToList());
        var report = Print(monitor.Check(unlabelled, "unlabelled"));
        Assert.False(report.Labelled);
        var estimated = report.Checks.Single(c => c.Name == "estimated.accuracy");
        var real = rankings.Version.Metrics["accuracy"];
        output.WriteLine($"estimated accuracy {estimated.Value:0.####}, real {real:0.####}");
        Assert.InRange(estimated.Value, real - 0.05, real + 0.05);
        Assert.True(estimated.Passed);
    }

    /// <summary>A report's content but for the time it was made.</summary>
    private static string Content(MonitoringReport report) => MonitoringJson.Write(report with { At = default });

    /// <summary>Every year of cwurData as a CSV window: shifted publications, an unseen country, missing citations.</summary>
    private static string Window(TempDir dir, string name, params string[] drop) =>
        RankingsWindows.Write(RepoPaths.Rankings("cwurData.csv"), Path.Combine(dir.Path, name + ".csv"), ["2012", "2013", "2014", "2015"],
            (column, row, cell) => column == "publications" ? Scaled(cell, 1.5) : column == "country" && row % 50 == 0 ? "Atlantis" : column == "citations" && row % 7 == 0 ? null : cell,
            drop);

    [Fact]
    public void A_window_checked_in_pieces_gets_the_report_of_the_whole_window()
    {
        using var monitor = MonitorAgainst2014();
        using var dir = new TempDir();
        // What the prediction log holds: inputs, no label (so the model's filter on world_rank cannot apply either).
        var path = Window(dir, "served", "world_rank", "score");

        var whole = Print(monitor.Check(TableLoader.Load(path), "served"));
        var pieces = monitor.Check(TableLoader.LoadCsvChunks(path, 128), "served");

        Assert.Equal(Content(whole), Content(pieces));
        Assert.Equal(2200, pieces.Rows);
        Assert.Contains((CheckNames.Psi, "publications"), pieces.Failed.Select(c => (c.Name, c.Feature)));
        Assert.Contains((CheckNames.NewCategory, "country"), pieces.Failed.Select(c => (c.Name, c.Feature)));
        Assert.Contains(pieces.Checks, c => c.Name == CheckNames.PredictionPsi);
        Assert.Contains(pieces.Checks, c => c.Name == "estimated.accuracy");
        Assert.Contains(pieces.Notes, n => n.Contains("was not applied"));
    }

    [Fact]
    public void A_labelled_window_in_pieces_is_filtered_alike_and_says_its_performance_is_estimated()
    {
        using var monitor = MonitorAgainst2014();
        using var dir = new TempDir();
        var path = Window(dir, "labelled");

        var whole = monitor.Check(TableLoader.Load(path), "labelled");
        var pieces = Print(monitor.Check(TableLoader.LoadCsvChunks(path, 300), "labelled"));

        // The filter (world_rank <= 100) kept the same rows, piece by piece.
        Assert.Equal(400, pieces.Rows);
        Assert.Contains("kept 400 of 2200 rows", pieces.Notes[0]);
        Assert.Equal(whole.Notes[0], pieces.Notes[0]);
        string Data(MonitoringReport r) => MonitoringJson.Write(r.Checks.Where(c => !CheckNames.IsPerformance(c.Name)).ToList());
        Assert.Equal(Data(whole), Data(pieces));
        Assert.True(whole.Labelled);
        Assert.False(pieces.Labelled);
        Assert.Contains(pieces.Notes, n => n.StartsWith("performance not measured: a window checked in pieces", StringComparison.Ordinal));
        Assert.Contains(pieces.Checks, c => c.Name == "estimated.accuracy");
    }

    [Fact]
    public void Cbpe_follows_the_expected_confusion_matrix()
    {
        // p = 0.9 predicted true, 0.2 predicted false, 0.6 predicted true:
        // TP = 0.9 + 0.6, FP = 0.1 + 0.4, FN = 0.2, TN = 0.8; accuracy = (1.5 + 0.8) / 3.
        Prediction[] predictions = [new(true, Probability: 0.9), new(false, Probability: 0.2), new(true, Probability: 0.6)];
        var e = ModelMonitor.EstimateBinary(predictions);
        Assert.Equal(2.3 / 3, e["accuracy"], 12);
        Assert.Equal(new[] { 0.9, 0.2, 0.6 }.Average(p => Math.Max(p, 1 - p)), e["accuracy"], 12);
        Assert.Equal(1.5 / 2.0, e["precision"], 12);
        Assert.Equal(1.5 / 1.7, e["recall"], 12);
        Assert.Equal(3.0 / (3.0 + 0.5 + 0.2), e["f1"], 12);
    }
}
