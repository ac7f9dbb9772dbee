using MlOps.Tracking;

namespace MlOps.Pipeline;

/// <summary>
/// Runs side by side: the parameters that differ (all of them on request), metric values with deltas against
/// the first run, and curve points per run.
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
        return new RunComparison(runs.Select(r => r.Id).ToList(), parameters, metrics, deltas, details);
    }
}
