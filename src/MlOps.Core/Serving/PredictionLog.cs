using MlOps.Registry;

namespace MlOps.Serving;

/// <summary>
/// One logged prediction: what a model version was asked and what it answered, for monitoring. <see cref="Source"/>
/// says which path produced it: "serve" (HTTP), "shadow" (a challenger scored beside Production, never answered),
/// "batch" or "notebook". Inputs hold the raw cells as sent (double, string, bool or null).
/// </summary>
public sealed record LoggedPrediction(
    string Model,
    int Version,
    DateTime Timestamp,
    string Source,
    IReadOnlyDictionary<string, object?> Inputs,
    string Label,
    double? Score = null,
    double? Probability = null);

/// <summary>Where logged predictions are kept: the project's store (LiteDB file by default).</summary>
public interface IPredictionLogStore
{
    /// <summary>Append one batch in a single transaction: either all records are stored or none.</summary>
    void AppendPredictions(IReadOnlyList<LoggedPrediction> batch);

    /// <summary>Stream a model's logged predictions, oldest first, optionally one version, source and time window [from, to).</summary>
    IEnumerable<LoggedPrediction> ReadPredictions(string model, int? version = null, string? source = null, DateTime? from = null, DateTime? to = null);

    long CountPredictions(string model, int? version = null, string? source = null);
}

/// <summary>
/// The request path's side of the prediction log: <see cref="Log"/> must return at once (no I/O); an implementation
/// queues and writes in the background. Implemented by PredictionLogger.
/// </summary>
public interface IPredictionSink
{
    void Log(ModelVersion version, ScoringInput input, IReadOnlyList<Prediction> predictions, string source);
}
