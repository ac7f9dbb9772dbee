using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Tracking;
using ConfusionMatrix = MlOps.Tracking.ConfusionMatrix;

namespace MlOps.Training;

/// <summary>
/// Scores the validation rows and computes the task's metrics, curves and matrices. Never throws on a degenerate
/// validation set (one class only): what cannot be computed is NaN.
/// </summary>
public static class Evaluator
{
    private const int MaxCurvePoints = 200;
    private const int MaxResiduals = 500;

    public static Evaluation Evaluate(MLContext ml, MlTask task, ITransformer model, IDataView test, string runId,
        IReadOnlyList<string>? featureNames = null, bool featureImportance = false)
    {
        var scored = model.Transform(test);
        var (metrics, details) = task switch
        {
            MlTask.Binary => Binary(ml, scored, runId),
            MlTask.Multiclass => Multiclass(ml, scored, runId),
            _ => Regression(ml, scored, runId),
        };
        if (featureImportance)
            details = details with { FeatureImportance = Importance(ml, task, model, test, featureNames) };
        return new Evaluation(metrics, details);
    }

    private static (Dictionary<string, double>, RunDetails) Binary(MLContext ml, IDataView scored, string runId)
    {
        var labels = scored.GetColumn<bool>("Label").ToArray();
        var hasProbability = scored.Schema.GetColumnOrNull("Probability") is not null;
        var scores = scored.GetColumn<float>(hasProbability ? "Probability" : "Score").ToArray();
        var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        var metrics = new Dictionary<string, double>
        {
            ["accuracy"] = double.NaN, ["precision"] = double.NaN, ["recall"] = double.NaN, ["f1"] = double.NaN,
            ["auc"] = double.NaN, ["pr_auc"] = double.NaN, ["log_loss"] = double.NaN,
        };
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] && predicted[i]) tp++;
            else if (!labels[i] && predicted[i]) fp++;
            else if (!labels[i]) tn++;
            else fn++;
        }
        metrics["accuracy"] = labels.Length == 0 ? double.NaN : (double)(tp + tn) / labels.Length;
        metrics["precision"] = tp + fp == 0 ? double.NaN : (double)tp / (tp + fp);
        metrics["recall"] = tp + fn == 0 ? double.NaN : (double)tp / (tp + fn);
        metrics["f1"] = 2.0 * tp + fp + fn == 0 ? double.NaN : 2.0 * tp / (2.0 * tp + fp + fn);
        var bothClasses = labels.Contains(true) && labels.Contains(false);
        if (bothClasses)
        {
            // ML.NET's evaluator for AUC, PR AUC and log-loss; it refuses a one-class set, hence the guard.
            if (hasProbability)
            {
                var m = ml.BinaryClassification.Evaluate(scored);
                metrics["auc"] = m.AreaUnderRocCurve;
                metrics["pr_auc"] = m.AreaUnderPrecisionRecallCurve;
                metrics["log_loss"] = m.LogLoss;
            }
            else
            {
                var m = ml.BinaryClassification.EvaluateNonCalibrated(scored);
                metrics["auc"] = m.AreaUnderRocCurve;
                metrics["pr_auc"] = m.AreaUnderPrecisionRecallCurve;
            }
        }
        var (roc, pr) = bothClasses ? Curves(labels, scores) : ([], []);
        var details = new RunDetails
        {
            RunId = runId,
            Roc = roc,
            PrecisionRecall = pr,
            Confusion = new ConfusionMatrix(["false", "true"], [[tn, fp], [fn, tp]]),
        };
        return (metrics, details);
    }

    /// <summary>ROC (fpr, tpr) and PR (recall, precision) points from scores, one per distinct threshold, thinned to ~200.</summary>
    internal static (IReadOnlyList<CurvePoint> Roc, IReadOnlyList<CurvePoint> Pr) Curves(bool[] labels, float[] scores)
    {
        var order = Enumerable.Range(0, labels.Length).OrderByDescending(i => scores[i]).ToArray();
        double positives = labels.Count(l => l), negatives = labels.Length - positives;
        var roc = new List<CurvePoint> { new(0, 0, double.PositiveInfinity) };
        var pr = new List<CurvePoint>();
        long tp = 0, fp = 0;
        for (var k = 0; k < order.Length; k++)
        {
            if (labels[order[k]]) tp++; else fp++;
            // Emit a point only after the last row of a run of equal scores (one point per threshold).
            if (k + 1 < order.Length && scores[order[k + 1]] == scores[order[k]])
                continue;
            var threshold = scores[order[k]];
            roc.Add(new CurvePoint(fp / negatives, tp / positives, threshold));
            pr.Add(new CurvePoint(tp / positives, (double)tp / (tp + fp), threshold));
        }
        return (Thin(roc), Thin(pr));
    }

    private static IReadOnlyList<CurvePoint> Thin(List<CurvePoint> points)
    {
        if (points.Count <= MaxCurvePoints)
            return points;
        var step = (points.Count - 1) / (double)(MaxCurvePoints - 1);
        return Enumerable.Range(0, MaxCurvePoints).Select(i => points[(int)Math.Round(i * step)]).ToList();
    }

    private static (Dictionary<string, double>, RunDetails) Multiclass(MLContext ml, IDataView scored, string runId)
    {
        var actual = scored.GetColumn<uint>("Label").ToArray();
        var predictedKeys = scored.GetColumn<uint>("PredictedLabel").ToArray();
        var names = ClassNames(scored);
        var metrics = new Dictionary<string, double> { ["micro_accuracy"] = double.NaN, ["macro_accuracy"] = double.NaN, ["log_loss"] = double.NaN };
        if (actual.Length > 0)
        {
            var m = ml.MulticlassClassification.Evaluate(scored);
            metrics["micro_accuracy"] = m.MicroAccuracy;
            metrics["macro_accuracy"] = m.MacroAccuracy;
            metrics["log_loss"] = m.LogLoss;
        }
        var counts = new long[names.Count, names.Count];
        for (var i = 0; i < actual.Length; i++)
            if (actual[i] > 0 && predictedKeys[i] > 0)
                counts[actual[i] - 1, predictedKeys[i] - 1]++;
        var perClass = new Dictionary<string, ClassMetrics>();
        for (var c = 0; c < names.Count; c++)
        {
            long tp = counts[c, c], predictedC = 0, actualC = 0;
            for (var k = 0; k < names.Count; k++) { predictedC += counts[k, c]; actualC += counts[c, k]; }
            perClass[names[c]] = new ClassMetrics(predictedC == 0 ? double.NaN : (double)tp / predictedC, actualC == 0 ? double.NaN : (double)tp / actualC);
        }
        var rows = Enumerable.Range(0, names.Count).Select(r => (IReadOnlyList<long>)Enumerable.Range(0, names.Count).Select(c => counts[r, c]).ToList()).ToList();
        return (metrics, new RunDetails { RunId = runId, Confusion = new ConfusionMatrix(names, rows), PerClass = perClass });
    }

    /// <summary>The class names behind the label's key values (key i+1 = names[i]).</summary>
    private static IReadOnlyList<string> ClassNames(IDataView scored)
    {
        var column = scored.Schema["Label"];
        var values = default(VBuffer<ReadOnlyMemory<char>>);
        column.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v.ToString()).ToList();
    }

    private static (Dictionary<string, double>, RunDetails) Regression(MLContext ml, IDataView scored, string runId)
    {
        var actual = scored.GetColumn<float>("Label").ToArray();
        var predicted = scored.GetColumn<float>("Score").ToArray();
        var metrics = new Dictionary<string, double> { ["rmse"] = double.NaN, ["mae"] = double.NaN, ["r2"] = double.NaN, ["mse"] = double.NaN };
        if (actual.Length > 0)
        {
            var m = ml.Regression.Evaluate(scored);
            metrics["rmse"] = m.RootMeanSquaredError;
            metrics["mae"] = m.MeanAbsoluteError;
            metrics["r2"] = m.RSquared;
            metrics["mse"] = m.MeanSquaredError;
        }
        var step = Math.Max(1, actual.Length / MaxResiduals);
        var residuals = Enumerable.Range(0, actual.Length).Where(i => i % step == 0).Take(MaxResiduals)
            .Select(i => new CurvePoint(actual[i], predicted[i])).ToList();
        return (metrics, new RunDetails { RunId = runId, Residuals = residuals });
    }

    /// <summary>Permutation feature importance: how much the primary metric worsens when a feature is shuffled.</summary>
    private static IReadOnlyDictionary<string, double> Importance(MLContext ml, MlTask task, ITransformer model, IDataView test, IReadOnlyList<string>? names)
    {
        string Name(int slot) => names is not null && slot < names.Count ? names[slot] : $"feature {slot}";
        var result = new Dictionary<string, double>();
        switch (task)
        {
            case MlTask.Binary:
                foreach (var (slot, stats) in SlotIndexed(ml.BinaryClassification.PermutationFeatureImportanceNonCalibrated(model, test, permutationCount: 3)))
                    result[Name(slot)] = -stats.AreaUnderRocCurve.Mean;
                break;
            case MlTask.Multiclass:
                foreach (var (slot, stats) in SlotIndexed(ml.MulticlassClassification.PermutationFeatureImportance(model, test, permutationCount: 3)))
                    result[Name(slot)] = -stats.MacroAccuracy.Mean;
                break;
            default:
                foreach (var (slot, stats) in SlotIndexed(ml.Regression.PermutationFeatureImportance(model, test, permutationCount: 3)))
                    result[Name(slot)] = stats.RootMeanSquaredError.Mean;
                break;
        }
        return result;
    }

    // PFI keys its result by slot name ("Slot 3" style when the column has none); map back to slot indexes.
    private static IEnumerable<(int Slot, T Stats)> SlotIndexed<T>(IReadOnlyDictionary<string, T> bySlot) =>
        bySlot.Select((kv, i) => (SlotOf(kv.Key, i), kv.Value));

    private static int SlotOf(string key, int position)
    {
        var digits = new string(key.Reverse().TakeWhile(char.IsDigit).Reverse().ToArray());
        return digits.Length > 0 && int.TryParse(digits, out var slot) ? slot : position;
    }
}
