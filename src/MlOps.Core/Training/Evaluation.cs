using MlOps.Tracking;

namespace MlOps.Training;

/// <summary>
/// The outcome of evaluating a model on held-out data: scalar metrics for the run record (names per task, see
/// <see cref="Evaluator"/>) and the bulky details (curves, confusion matrix, importances).
/// </summary>
public sealed record Evaluation(IReadOnlyDictionary<string, double> Metrics, RunDetails Details);
