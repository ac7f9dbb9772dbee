using Microsoft.ML;
using MlOps.Training;
using MlOps.Tracking;

namespace MlOps.Core.Tests.Training;

public class EvaluatorTests
{
    private static readonly Dictionary<string, string> NoOptions = new();

    [Fact]
    public void Binary_metrics_agree_with_ml_net_evaluator()
    {
        var ml = new MLContext(3);
        var (train, test) = SyntheticData.Split(ml, MlTask.Binary);
        var model = TrainerCatalog.Find(MlTask.Binary, "LbfgsLogisticRegression").CreateEstimator(ml, NoOptions, 3).Fit(train);
        var ours = Evaluator.Evaluate(ml, MlTask.Binary, model, test, "r").Metrics;
        var theirs = ml.BinaryClassification.Evaluate(model.Transform(test));
        Assert.Equal(theirs.Accuracy, ours["accuracy"], 9);
        Assert.Equal(theirs.PositivePrecision, ours["precision"], 9);
        Assert.Equal(theirs.PositiveRecall, ours["recall"], 9);
        Assert.Equal(theirs.F1Score, ours["f1"], 9);
        Assert.Equal(theirs.AreaUnderRocCurve, ours["auc"], 6);
        Assert.Equal(theirs.AreaUnderPrecisionRecallCurve, ours["pr_auc"], 2);
        // ML.NET reports binary log loss in bits; ours is in nats.
        Assert.Equal(theirs.LogLoss * Math.Log(2), ours["log_loss"], 6);
    }

    [Fact]
    public void Multiclass_and_regression_metrics_agree_with_ml_net_evaluators()
    {
        var ml = new MLContext(3);
        var (train, test) = SyntheticData.Split(ml, MlTask.Multiclass);
        var model = TrainerCatalog.Find(MlTask.Multiclass, "LightGbm").CreateEstimator(ml, NoOptions, 3).Fit(train);
        var ours = Evaluator.Evaluate(ml, MlTask.Multiclass, model, test, "r").Metrics;
        var theirs = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.Equal(theirs.MicroAccuracy, ours["micro_accuracy"], 9);
        Assert.Equal(theirs.MacroAccuracy, ours["macro_accuracy"], 9);
        Assert.Equal(theirs.LogLoss, ours["log_loss"], 6);

        (train, test) = SyntheticData.Split(ml, MlTask.Regression);
        var regression = TrainerCatalog.Find(MlTask.Regression, "Sdca").CreateEstimator(ml, NoOptions, 3).Fit(train);
        var r = Evaluator.Evaluate(ml, MlTask.Regression, regression, test, "r").Metrics;
        var rt = ml.Regression.Evaluate(regression.Transform(test));
        Assert.Equal(rt.RootMeanSquaredError, r["rmse"], 5);
        Assert.Equal(rt.MeanAbsoluteError, r["mae"], 5);
        Assert.Equal(rt.MeanSquaredError, r["mse"], 5);
        Assert.Equal(rt.RSquared, r["r2"], 5);
    }

    [Fact]
    public void Single_class_binary_test_set_gives_what_is_computable_and_NaN_auc()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.BinaryRows(400, 1));
        var onlyPositives = ml.Data.LoadFromEnumerable(SyntheticData.BinaryRows(300, 2).Where(r => r.Label).ToList());
        var model = TrainerCatalog.Find(MlTask.Binary, "FastTree").CreateEstimator(ml, NoOptions, 1).Fit(train);
        var e = Evaluator.Evaluate(ml, MlTask.Binary, model, onlyPositives, "r", SyntheticData.FeatureNames, featureImportance: true);
        Assert.True(e.Metrics["accuracy"] > 0.8);
        Assert.Equal(e.Metrics["accuracy"], e.Metrics["recall"], 12);
        Assert.True(double.IsNaN(e.Metrics["auc"]));
        Assert.Empty(e.Details.Roc);
        Assert.NotEmpty(e.Details.PrecisionRecall);
        Assert.All(e.Metrics.Values, v => Assert.False(double.IsInfinity(v)));
        Assert.All(e.Details.FeatureImportance.Values, v => Assert.True(double.IsNaN(v)));
    }

    [Fact]
    public void Single_class_multiclass_test_set_does_not_throw()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.MulticlassRows(400, 1));
        var cats = ml.Data.LoadFromEnumerable(SyntheticData.MulticlassRows(300, 2).Where(r => r.Label == "cat").ToList());
        var model = TrainerCatalog.Find(MlTask.Multiclass, "LbfgsMaximumEntropy").CreateEstimator(ml, NoOptions, 1).Fit(train);
        var e = Evaluator.Evaluate(ml, MlTask.Multiclass, model, cats, "r", SyntheticData.FeatureNames, featureImportance: true);
        Assert.Equal(e.Metrics["micro_accuracy"], e.Metrics["macro_accuracy"], 12);
        Assert.True(double.IsNaN(e.Details.PerClass["dog"].Recall));
        Assert.Equal(3, e.Details.FeatureImportance.Count);
    }

    [Fact]
    public void Unseen_test_class_is_counted_as_an_error_under_its_own_name()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.MulticlassRows(400, 1));
        var rows = SyntheticData.MulticlassRows(100, 2);
        rows[0].Label = "fox";
        var model = TrainerCatalog.Find(MlTask.Multiclass, "LightGbm").CreateEstimator(ml, NoOptions, 1).Fit(train);
        var e = Evaluator.Evaluate(ml, MlTask.Multiclass, model, ml.Data.LoadFromEnumerable(rows), "r");
        Assert.Contains("fox", e.Details.Confusion!.Labels);
        Assert.Equal(100, e.Details.Confusion.Counts.Sum(r => r.Sum()));
        Assert.Equal(0, e.Details.PerClass["fox"].Recall);
        Assert.True(double.IsFinite(e.Metrics["log_loss"]));
    }

    [Fact]
    public void Curves_have_exact_areas_under_ties()
    {
        // Two positives and two negatives all tied at one score: a coin flip, AUC 0.5.
        var (roc, pr) = BinaryCurves.Compute([true, false, true, false], [0.5, 0.5, 0.5, 0.5]);
        Assert.Equal([new CurvePoint(0, 0), new CurvePoint(1, 1, 0.5)], roc);
        Assert.Equal(0.5, BinaryCurves.RocArea(roc));
        Assert.Equal(0.5, BinaryCurves.AveragePrecision(pr));

        (roc, pr) = BinaryCurves.Compute([true, true, false, false], [0.9, 0.8, 0.3, 0.1]);
        Assert.Equal(1.0, BinaryCurves.RocArea(roc));
        Assert.Equal(1.0, BinaryCurves.AveragePrecision(pr));
    }

    [Fact]
    public void Downsampling_keeps_both_ends_and_at_most_the_limit()
    {
        var points = Enumerable.Range(0, 1001).ToList();
        var sampled = BinaryCurves.Downsample(points, 200);
        Assert.Equal(200, sampled.Count);
        Assert.Equal(0, sampled[0]);
        Assert.Equal(1000, sampled[^1]);
        Assert.Equal(sampled.Order(), sampled);
        Assert.Same(points, BinaryCurves.Downsample(points, 2000));
    }

    [Fact]
    public void Large_test_set_curves_are_downsampled()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.BinaryRows(400, 1));
        var test = ml.Data.LoadFromEnumerable(SyntheticData.BinaryRows(3000, 9));
        var model = TrainerCatalog.Find(MlTask.Binary, "LbfgsLogisticRegression").CreateEstimator(ml, NoOptions, 1).Fit(train);
        var e = Evaluator.Evaluate(ml, MlTask.Binary, model, test, "r");
        Assert.InRange(e.Details.Roc.Count, 100, Evaluator.MaxCurvePoints);
        Assert.Equal((0.0, 0.0), (e.Details.Roc[0].X, e.Details.Roc[0].Y));
        Assert.Equal((1.0, 1.0), (e.Details.Roc[^1].X, e.Details.Roc[^1].Y));
        Assert.InRange(e.Details.PrecisionRecall.Count, 100, Evaluator.MaxCurvePoints);
    }
}
