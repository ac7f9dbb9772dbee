namespace MlOps.Tracking;

/// <summary>
/// The bulky part of a run's evaluation (curves, matrices, importances), kept apart from <see cref="Run"/>
/// so listing and searching thousands of runs never loads it.
/// </summary>
public sealed record RunDetails
{
    public required string RunId { get; init; }

    /// <summary>ROC curve points (false positive rate, true positive rate), binary only.</summary>
    public IReadOnlyList<CurvePoint> Roc { get; init; } = [];

    /// <summary>Precision-recall curve points (recall, precision), binary only.</summary>
    public IReadOnlyList<CurvePoint> PrecisionRecall { get; init; } = [];

    public ConfusionMatrix? Confusion { get; init; }

    /// <summary>Per-class precision and recall (multiclass), keyed by class label.</summary>
    public IReadOnlyDictionary<string, ClassMetrics> PerClass { get; init; } = new Dictionary<string, ClassMetrics>();

    /// <summary>A sample of (actual, predicted) pairs for regression residual plots.</summary>
    public IReadOnlyList<CurvePoint> Residuals { get; init; } = [];

    /// <summary>Permutation feature importance: drop in the primary metric per feature (when asked for).</summary>
    public IReadOnlyDictionary<string, double> FeatureImportance { get; init; } = new Dictionary<string, double>();
}

public sealed record CurvePoint(double X, double Y, double Threshold = double.NaN);

/// <summary>Counts[actual][predicted], rows and columns in <see cref="Labels"/> order.</summary>
public sealed record ConfusionMatrix(IReadOnlyList<string> Labels, IReadOnlyList<IReadOnlyList<long>> Counts);

public sealed record ClassMetrics(double Precision, double Recall);
