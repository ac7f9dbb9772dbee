using System.Collections;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Tracking;
using ConfusionMatrix = MlOps.Tracking.ConfusionMatrix;

namespace MlOps.Training;

/// <summary>
/// Scores a test set with a trained model and computes the run's metrics and details.
/// </summary>
/// <remarks>
/// Metrics are computed here from the scored rows rather than by ML.NET's evaluators, because those throw on a
/// test set holding one class (AUC undefined) and need a Probability column that FastForest does not produce.
/// Definitions match ML.NET's except log_loss, which is in nats (natural log, as sklearn/MLflow report it;
/// ML.NET's binary LogLoss is in bits). Undefined values (0/0, AUC with one class) are NaN, never infinite.
/// <list type="bullet">
/// <item>binary: accuracy, precision, recall, f1 (positive class = true), auc, pr_auc (average precision),
/// log_loss (only when the model outputs a Probability column). Confusion labels are "false","true".</item>
/// <item>multiclass: micro_accuracy, macro_accuracy (mean per-class recall over classes present in the test
/// set), log_loss. Test labels unseen in training count as errors with probability 0.</item>
/// <item>regression: mse, rmse, mae, r2.</item>
/// </list>
/// </remarks>
public static class Evaluator
{
    internal const int MaxCurvePoints = 200;
    internal const int MaxResidualPoints = 500;
    private const int PermutationCount = 3;
    private const double Epsilon = 1e-15;

    public static Evaluation Evaluate(MLContext ml, MlTask task, ITransformer model, IDataView test, string runId,
        IReadOnlyList<string>? featureNames = null, bool featureImportance = false)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        var (metrics, details) = Scored(task, model.Transform(test), runId);
        if (featureImportance)
            details = details with { FeatureImportance = PermutationImportance(ml, task, model, test, featureNames) };
        return new Evaluation(metrics, details);
    }

    /// <summary>Metrics of rows already scored (Label plus the model's output columns), e.g. by batch scoring.</summary>
    internal static (Dictionary<string, double> Metrics, RunDetails Details) Scored(MlTask task, IDataView scored, string runId) => task switch
    {
        MlTask.Binary => Binary(scored, runId),
        MlTask.Multiclass => Multiclass(scored, runId),
        _ => Regression(scored, runId),
    };

    private static double Ratio(double a, double b) => b == 0 ? double.NaN : a / b;

    private static DataViewSchema.Column Require(DataViewSchema schema, string name, string task)
        => schema.GetColumnOrNull(name) ?? throw new MlOpsException(
            $"Cannot evaluate the {task} model: its output has no '{name}' column. The model must end with a {task} trainer.");

    private static (Dictionary<string, double>, RunDetails) Binary(IDataView scored, string runId)
    {
        var schema = scored.Schema;
        var label = Require(schema, "Label", "binary");
        if (label.Type != BooleanDataViewType.Instance)
            throw new MlOpsException($"Binary evaluation needs a Boolean Label column, got {label.Type}.");
        var score = Require(schema, "Score", "binary");
        var probability = schema.GetColumnOrNull("Probability");
        var predicted = schema.GetColumnOrNull("PredictedLabel");

        var labels = new List<bool>();
        var scores = new List<double>();
        var probabilities = new List<double>();
        var predictions = new List<bool>();
        var columns = new[] { label, score, probability, predicted }.OfType<DataViewSchema.Column>().ToArray();
        using (var cursor = scored.GetRowCursor(columns))
        {
            var getLabel = cursor.GetGetter<bool>(label);
            var getScore = cursor.GetGetter<float>(score);
            var getProbability = probability is { } p ? cursor.GetGetter<float>(p) : null;
            var getPredicted = predicted is { } pl ? cursor.GetGetter<bool>(pl) : null;
            bool y = false, yhat = false;
            float s = 0, prob = 0;
            while (cursor.MoveNext())
            {
                getLabel(ref y);
                getScore(ref s);
                labels.Add(y);
                scores.Add(s);
                if (getProbability is not null)
                {
                    getProbability(ref prob);
                    probabilities.Add(prob);
                }
                // Without a PredictedLabel column, ML.NET's rule: the raw score's decision threshold is 0.
                if (getPredicted is not null) getPredicted(ref yhat); else yhat = s > 0;
                predictions.Add(yhat);
            }
        }

        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i]) { if (predictions[i]) tp++; else fn++; }
            else { if (predictions[i]) fp++; else tn++; }
        }

        // Curves rank by probability when there is one (thresholds users can act on), else by raw score.
        var ranking = probability is null ? scores : probabilities;
        var (roc, pr) = BinaryCurves.Compute(labels, ranking);
        var metrics = new Dictionary<string, double>
        {
            ["accuracy"] = Ratio(tp + tn, labels.Count),
            ["precision"] = Ratio(tp, tp + fp),
            ["recall"] = Ratio(tp, tp + fn),
            ["f1"] = Ratio(2 * tp, 2 * tp + fp + fn),
            ["auc"] = BinaryCurves.RocArea(roc),
            ["pr_auc"] = BinaryCurves.AveragePrecision(pr),
        };
        if (probability is not null)
        {
            var loss = 0.0;
            for (var i = 0; i < labels.Count; i++)
            {
                var pTrue = labels[i] ? probabilities[i] : 1 - probabilities[i];
                loss -= Math.Log(Math.Clamp(double.IsNaN(pTrue) ? 0 : pTrue, Epsilon, 1));
            }
            metrics["log_loss"] = Ratio(loss, labels.Count);
        }

        var details = new RunDetails
        {
            RunId = runId,
            Roc = BinaryCurves.Downsample(roc, MaxCurvePoints),
            PrecisionRecall = BinaryCurves.Downsample(pr, MaxCurvePoints),
            Confusion = new ConfusionMatrix(["false", "true"], [[tn, fp], [fn, tp]]),
        };
        return (metrics, details);
    }

    private static (Dictionary<string, double>, RunDetails) Multiclass(IDataView scored, string runId)
    {
        var schema = scored.Schema;
        var label = Require(schema, "Label", "multiclass");
        var score = Require(schema, "Score", "multiclass");
        if (score.Type is not VectorDataViewType { Size: > 0 } scoreType)
            throw new MlOpsException($"Multiclass evaluation needs a known-size vector Score column, got {score.Type}.");

        // MapValueToKey hides the original string Label; reading it names even classes unseen in training.
        var text = schema.LastOrDefault(c => c.Name == "Label" && c.Type is TextDataViewType);
        var classes = ClassNames(score, label, scoreType.Size);
        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);

        var actualNames = new List<string>();
        var predictedIndex = new List<int>();
        var trueProbability = new List<double>();
        var columns = new[] { label, score }.Concat(text.Type is null ? [] : [text]).ToArray();
        using (var cursor = scored.GetRowCursor(columns))
        {
            var getScore = cursor.GetGetter<VBuffer<float>>(score);
            ValueGetter<ReadOnlyMemory<char>>? getText = text.Type is null ? null : cursor.GetGetter<ReadOnlyMemory<char>>(text);
            ValueGetter<uint>? getKey = getText is null && label.Type is KeyDataViewType { RawType: var raw } && raw == typeof(uint)
                ? cursor.GetGetter<uint>(label)
                : null;
            if (getText is null && getKey is null)
                throw new MlOpsException($"Multiclass evaluation needs a String or key Label column, got {label.Type}.");
            var buffer = default(VBuffer<float>);
            var values = new float[scoreType.Size];
            ReadOnlyMemory<char> t = default;
            uint key = 0;
            while (cursor.MoveNext())
            {
                string actual;
                if (getText is not null) { getText(ref t); actual = t.ToString(); }
                else { getKey!(ref key); actual = key == 0 ? "?" : classes[(int)key - 1]; }
                getScore(ref buffer);
                buffer.CopyTo(values);
                var best = 0;
                for (var j = 1; j < values.Length; j++)
                    if (values[j] > values[best]) best = j;
                actualNames.Add(actual);
                predictedIndex.Add(best);
                trueProbability.Add(classIndex.TryGetValue(actual, out var a) ? values[a] : 0);
            }
        }

        var labels = classes.Concat(actualNames.Where(n => !classIndex.ContainsKey(n)).Distinct()).ToList();
        var labelIndex = labels.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        var counts = labels.Select(_ => new long[labels.Count]).ToArray();
        for (var i = 0; i < actualNames.Count; i++)
            counts[labelIndex[actualNames[i]]][predictedIndex[i]]++;

        var perClass = new Dictionary<string, ClassMetrics>();
        var recalls = new List<double>();
        long correct = 0;
        for (var c = 0; c < labels.Count; c++)
        {
            long actualCount = counts[c].Sum(), predictedCount = counts.Sum(row => row[c]), hit = counts[c][c];
            correct += hit;
            perClass[labels[c]] = new ClassMetrics(Ratio(hit, predictedCount), Ratio(hit, actualCount));
            if (actualCount > 0) recalls.Add((double)hit / actualCount);
        }
        var loss = trueProbability.Sum(p => -Math.Log(Math.Clamp(double.IsNaN(p) ? 0 : p, Epsilon, 1)));
        var metrics = new Dictionary<string, double>
        {
            ["micro_accuracy"] = Ratio(correct, actualNames.Count),
            ["macro_accuracy"] = recalls.Count == 0 ? double.NaN : recalls.Average(),
            ["log_loss"] = Ratio(loss, actualNames.Count),
        };
        var details = new RunDetails
        {
            RunId = runId,
            Confusion = new ConfusionMatrix(labels, counts.Select(r => (IReadOnlyList<long>)r).ToArray()),
            PerClass = perClass,
        };
        return (metrics, details);
    }

    /// <summary>Class names in score-slot order: the Score slot names, else the Label key values, else indexes.</summary>
    private static IReadOnlyList<string> ClassNames(DataViewSchema.Column score, DataViewSchema.Column label, int size)
    {
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        if (score.HasSlotNames())
        {
            score.GetSlotNames(ref names);
            if (names.Length == size) return names.DenseValues().Select(n => n.ToString()).ToArray();
        }
        if (label.HasKeyValues())
        {
            label.GetKeyValues(ref names);
            if (names.Length == size) return names.DenseValues().Select(n => n.ToString()).ToArray();
        }
        return Enumerable.Range(0, size).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    private static (Dictionary<string, double>, RunDetails) Regression(IDataView scored, string runId)
    {
        var schema = scored.Schema;
        var label = Require(schema, "Label", "regression");
        if (label.Type != NumberDataViewType.Single)
            throw new MlOpsException($"Regression evaluation needs a Single Label column, got {label.Type}.");
        var score = Require(schema, "Score", "regression");

        var actual = new List<double>();
        var predicted = new List<double>();
        using (var cursor = scored.GetRowCursor([label, score]))
        {
            var getLabel = cursor.GetGetter<float>(label);
            var getScore = cursor.GetGetter<float>(score);
            float y = 0, s = 0;
            while (cursor.MoveNext())
            {
                getLabel(ref y);
                getScore(ref s);
                actual.Add(y);
                predicted.Add(s);
            }
        }

        var n = actual.Count;
        double squared = 0, absolute = 0;
        for (var i = 0; i < n; i++)
        {
            var e = actual[i] - predicted[i];
            squared += e * e;
            absolute += Math.Abs(e);
        }
        var mean = n == 0 ? double.NaN : actual.Average();
        var total = actual.Sum(y => (y - mean) * (y - mean));
        var mse = Ratio(squared, n);
        var metrics = new Dictionary<string, double>
        {
            ["mse"] = mse,
            ["rmse"] = Math.Sqrt(mse),
            ["mae"] = Ratio(absolute, n),
            // Constant test labels leave r2 undefined (0/0), not -infinity.
            ["r2"] = n == 0 || total == 0 ? double.NaN : 1 - squared / total,
        };

        // Evenly spaced rows rather than a random sample: the same test set always plots the same points.
        var step = Math.Max(1.0, n / (double)MaxResidualPoints);
        var residuals = new List<CurvePoint>();
        for (var x = 0.0; (int)x < n && residuals.Count < MaxResidualPoints; x += step)
            residuals.Add(new CurvePoint(actual[(int)x], predicted[(int)x]));
        return (metrics, new RunDetails { RunId = runId, Residuals = residuals });
    }

    /// <summary>
    /// Permutation feature importance via ML.NET on the model's prediction transformer (found inside chains, so
    /// the multiclass MapValueToKey → trainer → MapKeyToValue chain works). Importance = drop of the task's
    /// primary metric when the feature is shuffled (positive = important). NaN per feature when the metric is
    /// undefined on this test set (e.g. AUC with one class).
    /// </summary>
    private static IReadOnlyDictionary<string, double> PermutationImportance(MLContext ml, MlTask task, ITransformer model,
        IDataView test, IReadOnlyList<string>? featureNames)
    {
        var transformers = Flatten(model).ToList();
        var at = transformers.FindLastIndex(t => PredictorModelType(t) is not null);
        if (at < 0)
            throw new MlOpsException("Cannot compute feature importance: the model contains no single-feature prediction transformer.");
        var predictor = transformers[at];
        var data = test;
        foreach (var t in transformers.Take(at)) data = t.Transform(data);

        var featureColumn = (string?)predictor.GetType().GetProperty("FeatureColumnName")?.GetValue(predictor) ?? "Features";
        var features = data.Schema.GetColumnOrNull(featureColumn);
        var size = features?.Type is VectorDataViewType v ? v.Size : 1;
        var names = new string[size];
        var slotNames = default(VBuffer<ReadOnlyMemory<char>>);
        var haveSlotNames = features is { } fc && fc.HasSlotNames();
        if (haveSlotNames) features!.Value.GetSlotNames(ref slotNames);
        var slotArray = haveSlotNames ? slotNames.DenseValues().Select(s => s.ToString()).ToArray() : [];
        for (var i = 0; i < size; i++)
        {
            names[i] = featureNames is not null && i < featureNames.Count ? featureNames[i]
                : i < slotArray.Length && slotArray[i].Length > 0 ? slotArray[i]
                : $"f{i}";
        }

        (object catalog, Func<object, double> delta) = task switch
        {
            MlTask.Binary => ((object)ml.BinaryClassification, (Func<object, double>)(s => ((BinaryClassificationMetricsStatistics)s).AreaUnderRocCurve.Mean)),
            MlTask.Multiclass => (ml.MulticlassClassification, s => ((MulticlassClassificationMetricsStatistics)s).MacroAccuracy.Mean),
            _ => (ml.Regression, s => ((RegressionMetricsStatistics)s).RootMeanSquaredError.Mean),
        };
        var method = typeof(PermutationFeatureImportanceExtensions).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(m => m.Name == nameof(PermutationFeatureImportanceExtensions.PermutationFeatureImportance)
                && m.IsGenericMethodDefinition && m.GetParameters()[0].ParameterType == catalog.GetType())
            .MakeGenericMethod(PredictorModelType(predictor)!);

        IEnumerable stats;
        try
        {
            stats = (IEnumerable)method.Invoke(null, [catalog, predictor, data, "Label", false, null, PermutationCount])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException or InvalidOperationException)
        {
            // ML.NET's evaluators throw where the metric is undefined (one-class test set): report unknown, not fail.
            return names.Distinct().ToDictionary(n => n, _ => double.NaN);
        }

        // ML.NET reports permuted − baseline; flip it for higher-is-better metrics so positive means important.
        var sign = TrainerCatalog.HigherIsBetter(TrainerCatalog.PrimaryMetric(task)) ? -1 : 1;
        var result = new Dictionary<string, double>();
        var index = 0;
        foreach (var s in stats)
        {
            var value = sign * delta(s);
            result[UniqueName(result, names[index++])] = double.IsFinite(value) ? value : double.NaN;
        }
        return result;
    }

    private static string UniqueName(Dictionary<string, double> taken, string name)
    {
        if (!taken.ContainsKey(name)) return name;
        for (var k = 2; ; k++)
            if (!taken.ContainsKey($"{name}#{k}")) return $"{name}#{k}";
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer model)
    {
        if (model is IEnumerable<ITransformer> chain)
        {
            foreach (var t in chain)
                foreach (var inner in Flatten(t))
                    yield return inner;
        }
        else
        {
            yield return model;
        }
    }

    private static Type? PredictorModelType(ITransformer transformer)
        => transformer.GetType().GetInterfaces()
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISingleFeaturePredictionTransformer<>))
            ?.GetGenericArguments()[0];
}
