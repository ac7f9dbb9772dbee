namespace MlOps.Monitoring;

/// <summary>
/// One monitoring check's verdict: its <see cref="Name"/> (see <see cref="CheckNames"/>), the feature it is about
/// (null for whole-window checks), the measured value, the threshold it was held against, and a readable detail.
/// </summary>
public sealed record CheckResult(string Name, string? Feature, double Value, double Threshold, bool Passed, string Detail);

/// <summary>The check names, grouped by the prefix that <see cref="DecisionRules"/> reads.</summary>
public static class CheckNames
{
    public const string Psi = "drift.psi", Ks = "drift.ks", ChiSquared = "drift.chi2", DriftShare = "drift.share";
    public const string MissingColumn = "schema.missing_column", NewColumn = "schema.new_column", TypeChange = "schema.type",
        NewCategory = "schema.new_category", NullRate = "schema.null_rate";
    public const string PredictionPsi = "prediction.psi", PredictionKs = "prediction.ks";

    /// <summary>"performance.auc": the metric on labelled rows vs its value at registration; "performance.auc.threshold": vs an absolute threshold.</summary>
    public const string Performance = "performance";

    /// <summary>"estimated.accuracy": confidence-based estimate (no labels) vs the value at registration.</summary>
    public const string Estimated = "estimated";

    public static bool IsFeatureDrift(string name) => name is Psi or Ks or ChiSquared;

    public static bool IsPerformance(string name) => name.StartsWith(Performance + ".", StringComparison.Ordinal) || name.StartsWith(Estimated + ".", StringComparison.Ordinal);

    /// <summary>Schema drift that says the data processing changed (decision 2b), as opposed to a missing or new column (3).</summary>
    public static bool IsProcessing(string name) => name is TypeChange or NewCategory or NullRate;
}
