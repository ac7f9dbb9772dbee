using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace MlOps.Training;

/// <summary>
/// Every trainer the engine offers, by task and name. Input columns are fixed by the pipeline: "Features"
/// (float vector) and "Label" (bool for binary, float for regression, string class names for multiclass).
/// ML.NET defaults are kept unless the user sets options (note: FastForest's defaults underfit small data;
/// LightGbm's do far better on the rankings task).
/// </summary>
public static class TrainerCatalog
{
    private static readonly TrainerDefinition[] All =
    [
        // FastForest's binary output is not calibrated: Platt scaling gives it a Probability like the others.
        new("FastForest", MlTask.Binary, typeof(FastForestBinaryTrainer.Options),
            (ml, o) => ml.BinaryClassification.Trainers.FastForest((FastForestBinaryTrainer.Options)o).Append(ml.BinaryClassification.Calibrators.Platt())),
        new("FastTree", MlTask.Binary, typeof(FastTreeBinaryTrainer.Options),
            (ml, o) => ml.BinaryClassification.Trainers.FastTree((FastTreeBinaryTrainer.Options)o)),
        new("LightGbm", MlTask.Binary, typeof(LightGbmBinaryTrainer.Options),
            (ml, o) => ml.BinaryClassification.Trainers.LightGbm((LightGbmBinaryTrainer.Options)o)),
        new("SdcaLogisticRegression", MlTask.Binary, typeof(SdcaLogisticRegressionBinaryTrainer.Options),
            (ml, o) => Normalized(ml, ml.BinaryClassification.Trainers.SdcaLogisticRegression((SdcaLogisticRegressionBinaryTrainer.Options)o))),
        new("LbfgsLogisticRegression", MlTask.Binary, typeof(LbfgsLogisticRegressionBinaryTrainer.Options),
            (ml, o) => Normalized(ml, ml.BinaryClassification.Trainers.LbfgsLogisticRegression((LbfgsLogisticRegressionBinaryTrainer.Options)o))),

        new("LightGbm", MlTask.Multiclass, typeof(LightGbmMulticlassTrainer.Options),
            (ml, o) => Multiclass(ml, ml.MulticlassClassification.Trainers.LightGbm((LightGbmMulticlassTrainer.Options)o))),
        new("SdcaMaximumEntropy", MlTask.Multiclass, typeof(SdcaMaximumEntropyMulticlassTrainer.Options),
            (ml, o) => Multiclass(ml, Normalized(ml, ml.MulticlassClassification.Trainers.SdcaMaximumEntropy((SdcaMaximumEntropyMulticlassTrainer.Options)o)))),
        new("LbfgsMaximumEntropy", MlTask.Multiclass, typeof(LbfgsMaximumEntropyMulticlassTrainer.Options),
            (ml, o) => Multiclass(ml, Normalized(ml, ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy((LbfgsMaximumEntropyMulticlassTrainer.Options)o)))),
        // One-versus-all over a calibrated binary learner (LbfgsLogisticRegression: fast, and its scores are probabilities).
        new("OneVersusAll", MlTask.Multiclass, typeof(LbfgsLogisticRegressionBinaryTrainer.Options),
            (ml, o) => Multiclass(ml, Normalized(ml, ml.MulticlassClassification.Trainers.OneVersusAll(
                ml.BinaryClassification.Trainers.LbfgsLogisticRegression((LbfgsLogisticRegressionBinaryTrainer.Options)o))))),

        new("FastTree", MlTask.Regression, typeof(FastTreeRegressionTrainer.Options),
            (ml, o) => ml.Regression.Trainers.FastTree((FastTreeRegressionTrainer.Options)o)),
        new("FastForest", MlTask.Regression, typeof(FastForestRegressionTrainer.Options),
            (ml, o) => ml.Regression.Trainers.FastForest((FastForestRegressionTrainer.Options)o)),
        new("LightGbm", MlTask.Regression, typeof(LightGbmRegressionTrainer.Options),
            (ml, o) => ml.Regression.Trainers.LightGbm((LightGbmRegressionTrainer.Options)o)),
        new("Sdca", MlTask.Regression, typeof(SdcaRegressionTrainer.Options),
            (ml, o) => Normalized(ml, ml.Regression.Trainers.Sdca((SdcaRegressionTrainer.Options)o))),
    ];

    public static IReadOnlyList<string> Names(MlTask task) => All.Where(t => t.Task == task).Select(t => t.Name).ToList();

    /// <summary>What --trainer auto tries: fast enough on small data, different enough to be worth comparing.</summary>
    public static IReadOnlyList<string> AutoCandidates(MlTask task) => task switch
    {
        MlTask.Binary => ["LightGbm", "FastTree", "FastForest", "LbfgsLogisticRegression"],
        MlTask.Multiclass => ["LightGbm", "LbfgsMaximumEntropy", "OneVersusAll"],
        _ => ["LightGbm", "FastTree", "FastForest", "Sdca"],
    };

    public static TrainerDefinition Find(MlTask task, string name)
    {
        var found = All.FirstOrDefault(t => t.Task == task && t.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (found is not null)
            return found;
        var elsewhere = All.Where(t => t.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(t => t.Task.ToName()).ToList();
        var note = elsewhere.Count > 0 ? $" {name} exists for {string.Join(" and ", elsewhere)} tasks, but this label makes a {task.ToName()} task." : "";
        throw new MlOpsException(
            $"Unknown trainer '{name}' for a {task.ToName()} task.{note} Use one of: {string.Join(", ", Names(task))}, or auto to try several.");
    }

    /// <summary>The metric that picks the best run: auc, macro_accuracy or rmse.</summary>
    public static string PrimaryMetric(MlTask task) => task switch
    {
        MlTask.Binary => "auc",
        MlTask.Multiclass => "macro_accuracy",
        _ => "rmse",
    };

    public static bool HigherIsBetter(string metric) => metric is not ("rmse" or "mae" or "mse" or "log_loss");

    // Linear learners converge badly on unscaled features (ranks in the hundreds next to ratios); trees do not care.
    private static IEstimator<ITransformer> Normalized(MLContext ml, IEstimator<ITransformer> trainer) =>
        ml.Transforms.NormalizeMinMax("Features").Append(trainer);

    // Class names in, class names out: keys exist only inside the model.
    private static IEstimator<ITransformer> Multiclass(MLContext ml, IEstimator<ITransformer> trainer) =>
        ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(trainer)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel"));
}
