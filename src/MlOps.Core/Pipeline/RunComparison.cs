using MlOps.Tracking;

namespace MlOps.Pipeline;

/// <summary>
/// Runs side by side: the parameters that differ (all of them on request), metric values with deltas against
/// the first run, curve points per run, and the curves read at shared positions.
/// </summary>
public sealed record RunComparison(
    IReadOnlyList<string> RunIds,
    IReadOnlyDictionary<string, IReadOnlyList<string?>> Params,
    IReadOnlyDictionary<string, IReadOnlyList<double?>> Metrics,
    IReadOnlyDictionary<string, IReadOnlyList<double?>> Deltas,
    IReadOnlyList<RunDetails?> Details)
{
    internal static RunComparison Of(IReadOnlyList<Run> runs, IReadOnlyList<RunDetails?> details, bool allParams)
    {
        // Runs record their trainer as the train.trainer parameter, so it is compared like any other.
        IEnumerable<KeyValuePair<string, string>> ParamsOf(Run r) => r.Params;
        var paramKeys = runs.SelectMany(ParamsOf).Select(kv => kv.Key).Distinct().Order(StringComparer.Ordinal);
        var parameters = new SortedDictionary<string, IReadOnlyList<string?>>(StringComparer.Ordinal);
        foreach (var key in paramKeys)
        {
            var values = runs.Select(r => ParamsOf(r).FirstOrDefault(kv => kv.Key == key).Value).ToList();
            if (allParams || values.Distinct().Count() > 1)
                parameters[key] = values;
        }
        var metrics = new SortedDictionary<string, IReadOnlyList<double?>>(StringComparer.Ordinal);
        var deltas = new SortedDictionary<string, IReadOnlyList<double?>>(StringComparer.Ordinal);
        foreach (var name in runs.SelectMany(r => r.Metrics.Keys).Distinct())
        {
            var values = runs.Select(r => r.Metrics.TryGetValue(name, out var v) ? v : (double?)null).ToList();
            metrics[name] = values;
            deltas[name] = values.Select(v => v - values[0]).ToList();
        }
        return new RunComparison(runs.Select(r => r.Id).ToList(), parameters, metrics, deltas, details) { CurvePoints = CurvesSideBySide(details) };
    }

    /// <summary>
    /// The curves side by side: each run's curve read at the same x positions (true-positive rate at a false-positive
    /// rate, precision at a recall), since runs' curve points fall at different thresholds. Null where a run has
    /// no such curve. Empty when no run has curves (multiclass, regression).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double?>> CurvePoints { get; init; } = new Dictionary<string, IReadOnlyList<double?>>();

    private static readonly double[] FalsePositiveRates = [0.01, 0.05, 0.1, 0.2, 0.5];
    private static readonly double[] Recalls = [0.5, 0.8, 0.9, 0.95, 1.0];

    private static Dictionary<string, IReadOnlyList<double?>> CurvesSideBySide(IReadOnlyList<RunDetails?> details)
    {
        var points = new Dictionary<string, IReadOnlyList<double?>>(StringComparer.Ordinal);
        if (details.All(d => d is null || d.Roc.Count == 0))
            return points;
        // A threshold reaching at most this false-positive rate gives at best this true-positive rate (the ROC step).
        foreach (var fpr in FalsePositiveRates)
            points[FormattableString.Invariant($"tpr@fpr={fpr}")] = details.Select(d => Best(d?.Roc, p => p.X <= fpr + 1e-12)).ToList();
        // Interpolated precision: the best precision of any threshold that reaches this recall.
        foreach (var recall in Recalls)
            points[FormattableString.Invariant($"precision@recall={recall}")] = details.Select(d => Best(d?.PrecisionRecall, p => p.X >= recall - 1e-12)).ToList();
        return points;
    }

    private static double? Best(IReadOnlyList<CurvePoint>? curve, Func<CurvePoint, bool> reaches) =>
        curve is null || curve.Count == 0 ? null : curve.Where(reaches).Select(p => (double?)p.Y).DefaultIfEmpty(null).Max();
}
