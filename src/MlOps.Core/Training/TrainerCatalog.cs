using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace MlOps.Training;

/// <summary>
/// The trainers the engine offers per task, by the names users type (--trainer FastForest), and the metric
/// each task is ranked by.
/// </summary>
/// <remarks>
/// Defaults are ML.NET's own unless the user sets options. Known trap: FastForest's defaults (20 leaves,
/// at least 10 examples per leaf, 70% bagging and feature fractions) underfit small data sets; we keep them so
/// results match ML.NET's documentation, and users tune with options (numberOfLeaves, minimumExampleCountPerLeaf).
/// </remarks>
public static class TrainerCatalog
{
    private static readonly IReadOnlyDictionary<MlTask, IReadOnlyList<TrainerDefinition>> Definitions =
        new Dictionary<MlTask, IReadOnlyList<TrainerDefinition>>
        {
            [MlTask.Binary] =
            [
                // FastForest alone gives no probability; Platt scaling adds one, so log_loss, PR curves and later
                // confidence-based monitoring work as for the other binary trainers.
                TrainerDefinition.ForOptions<FastForestBinaryTrainer.Options>("FastForest", MlTask.Binary,
                    (ml, o) => ml.BinaryClassification.Trainers.FastForest(o).Append(ml.BinaryClassification.Calibrators.Platt())),
                TrainerDefinition.ForOptions<FastTreeBinaryTrainer.Options>("FastTree", MlTask.Binary,
                    (ml, o) => ml.BinaryClassification.Trainers.FastTree(o)),
                TrainerDefinition.ForOptions<LightGbmBinaryTrainer.Options>("LightGbm", MlTask.Binary,
                    (ml, o) => ml.BinaryClassification.Trainers.LightGbm(o)),
                TrainerDefinition.ForOptions<SdcaLogisticRegressionBinaryTrainer.Options>("SdcaLogisticRegression", MlTask.Binary,
                    (ml, o) => ml.BinaryClassification.Trainers.SdcaLogisticRegression(o)),
                TrainerDefinition.ForOptions<LbfgsLogisticRegressionBinaryTrainer.Options>("LbfgsLogisticRegression", MlTask.Binary,
                    (ml, o) => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(o)),
            ],
            [MlTask.Multiclass] =
            [
                TrainerDefinition.ForOptions<LightGbmMulticlassTrainer.Options>("LightGbm", MlTask.Multiclass,
                    (ml, o) => ml.MulticlassClassification.Trainers.LightGbm(o)),
                TrainerDefinition.ForOptions<SdcaMaximumEntropyMulticlassTrainer.Options>("SdcaMaximumEntropy", MlTask.Multiclass,
                    (ml, o) => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(o)),
                TrainerDefinition.ForOptions<LbfgsMaximumEntropyMulticlassTrainer.Options>("LbfgsMaximumEntropy", MlTask.Multiclass,
                    (ml, o) => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(o)),
                TrainerDefinition.OneVersusAll(),
            ],
            [MlTask.Regression] =
            [
                TrainerDefinition.ForOptions<FastTreeRegressionTrainer.Options>("FastTree", MlTask.Regression,
                    (ml, o) => ml.Regression.Trainers.FastTree(o)),
                TrainerDefinition.ForOptions<FastForestRegressionTrainer.Options>("FastForest", MlTask.Regression,
                    (ml, o) => ml.Regression.Trainers.FastForest(o)),
                TrainerDefinition.ForOptions<LightGbmRegressionTrainer.Options>("LightGbm", MlTask.Regression,
                    (ml, o) => ml.Regression.Trainers.LightGbm(o)),
                TrainerDefinition.ForOptions<SdcaRegressionTrainer.Options>("Sdca", MlTask.Regression,
                    (ml, o) => ml.Regression.Trainers.Sdca(o)),
            ],
        };

    // What --trainer auto tries: each takes about a second on thousands of rows. Left out: FastForest for
    // classification (its defaults underfit small data, see remarks) and OneVersusAll (K models, slowest);
    // SDCA logistic regression duplicates L-BFGS logistic regression.
    private static readonly IReadOnlyDictionary<MlTask, IReadOnlyList<string>> Auto = new Dictionary<MlTask, IReadOnlyList<string>>
    {
        [MlTask.Binary] = ["FastTree", "LightGbm", "LbfgsLogisticRegression"],
        [MlTask.Multiclass] = ["LightGbm", "LbfgsMaximumEntropy", "SdcaMaximumEntropy"],
        [MlTask.Regression] = ["FastTree", "LightGbm", "FastForest", "Sdca"],
    };

    public static IReadOnlyList<string> Names(MlTask task) => Definitions[task].Select(d => d.Name).ToArray();

    public static IReadOnlyList<string> AutoCandidates(MlTask task) => Auto[task];

    /// <summary>Case-insensitive lookup; an unknown name throws <see cref="MlOpsException"/> listing the valid ones.</summary>
    public static TrainerDefinition Find(MlTask task, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var found = TryFind(task, name);
        if (found is not null) return found;

        var valid = Names(task);
        var message = $"Unknown {task.ToName()} trainer '{name}'. Valid {task.ToName()} trainers: {string.Join(", ", valid)}.";
        var elsewhere = Definitions.Where(p => p.Key != task)
            .SelectMany(p => p.Value.Where(d => Same(d.Name, name)).Select(d => (d.Name, Task: p.Key.ToName())))
            .ToList();
        if (elsewhere.Count > 0)
            message += $" {elsewhere[0].Name} is a {string.Join(" and ", elsewhere.Select(e => e.Task))} trainer, not {task.ToName()}.";
        else if (name.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase))
            message += $" 'auto' picks among: {string.Join(", ", AutoCandidates(task))}.";
        else if (NameSuggestion.Closest(name, valid) is { } suggestion)
            message += $" Did you mean {suggestion}?";
        throw new MlOpsException(message + " Pick one with --trainer <name> (param train.trainer), or --trainer auto.");
    }

    internal static TrainerDefinition? TryFind(MlTask task, string name)
        => Definitions[task].FirstOrDefault(d => Same(d.Name, name));

    private static bool Same(string a, string b) => string.Equals(a, b.Trim(), StringComparison.OrdinalIgnoreCase);

    /// <summary>The metric runs of a task are compared and auto-selected by.</summary>
    public static string PrimaryMetric(MlTask task) => task switch
    {
        MlTask.Binary => "auc",
        MlTask.Multiclass => "macro_accuracy",
        _ => "rmse",
    };

    private static readonly HashSet<string> LowerIsBetter = new(StringComparer.OrdinalIgnoreCase)
    {
        "log_loss", "rmse", "mae", "mse",
    };

    /// <summary>
    /// True for scores (accuracy, auc, r2, ...), false for losses and errors. Names this engine does not emit are
    /// judged by their wording: anything mentioning loss or error is lower-is-better.
    /// </summary>
    public static bool HigherIsBetter(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (LowerIsBetter.Contains(metric)) return false;
        var m = metric.ToLowerInvariant();
        return !(m.Contains("loss") || m.Contains("error") || m.EndsWith("mse") || m.EndsWith("mae"));
    }
}
