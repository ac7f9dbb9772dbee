using MlOps.Pipeline;
using MlOps.Tracking;

namespace MlOps.Core.Tests.Pipeline;

public sealed class RunComparisonTests
{
    private static Run Run(string id, double auc) => new() { Id = id, Experiment = "e", Metrics = new Dictionary<string, double> { ["auc"] = auc } };

    [Fact]
    public void Curves_are_read_at_shared_positions_so_runs_sit_side_by_side()
    {
        var details = new RunDetails
        {
            RunId = "a",
            Roc = [new(0, 0), new(0.05, 0.5), new(0.1, 0.8), new(0.3, 0.9), new(1, 1)],
            PrecisionRecall = [new(0, 1), new(0.5, 1.0), new(0.8, 0.9), new(0.9, 0.7), new(1.0, 0.5)],
        };

        var comparison = RunComparison.Of([Run("a", 0.9), Run("b", 0.8)], [details, null], allParams: false);

        double?[] At(string point) => comparison.CurvePoints[point].ToArray();
        Assert.Equal([0.0, null], At("tpr@fpr=0.01"));
        Assert.Equal([0.5, null], At("tpr@fpr=0.05"));
        Assert.Equal([0.8, null], At("tpr@fpr=0.2"));
        Assert.Equal([0.9, null], At("tpr@fpr=0.5"));
        Assert.Equal([1.0, null], At("precision@recall=0.5"));
        Assert.Equal([0.7, null], At("precision@recall=0.9"));
        Assert.Equal([0.5, null], At("precision@recall=1"));
        Assert.Equal(-0.1, comparison.Deltas["auc"][1]!.Value, 9);
    }

    [Fact]
    public void Runs_without_curves_have_no_curve_points() =>
        Assert.Empty(RunComparison.Of([Run("a", 1), Run("b", 2)], [new RunDetails { RunId = "a" }, null], allParams: false).CurvePoints);
}
