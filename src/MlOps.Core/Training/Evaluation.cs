using MlOps.Tracking;

namespace MlOps.Training;

/// <summary>Metrics (names on the wire: accuracy, auc, macro_accuracy, rmse, ...) and the bulky details of one evaluation.</summary>
public sealed record Evaluation(IReadOnlyDictionary<string, double> Metrics, RunDetails Details);
