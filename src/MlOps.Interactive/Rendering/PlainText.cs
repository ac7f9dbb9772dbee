using System.Globalization;
using System.Text;
using MlOps.Pipeline;
using MlOps.Tracking;

namespace MlOps.Interactive.Rendering;

/// <summary>The text/plain twin of each view, for text-only viewers and logs.</summary>
internal static class PlainText
{
    public static string Result(ExperimentResult result)
    {
        var text = new StringBuilder($"experiment {result.Experiment}: {result.Runs.Count} run(s)");
        if (result.Best is { } best)
            text.Append($", best {best.Run.Id} ({best.Run.Trainer})");
        return text.AppendLine().Append(Runs(result.Runs.Select(o => o.Run).ToList())).ToString();
    }

    public static string Runs(IReadOnlyList<Run> runs) => string.Join("\n", runs.Select(r =>
        $"{r.Id[..Math.Min(12, r.Id.Length)]} {r.Status.ToString().ToLowerInvariant()} {r.Trainer} " +
        string.Join(" ", r.Metrics.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value.ToString("0.####", CultureInfo.InvariantCulture)}"))));

    public static string Comparison(RunComparison comparison)
    {
        var text = new StringBuilder("runs: " + string.Join(" ", comparison.RunIds)).AppendLine();
        foreach (var (key, values) in comparison.Params)
            text.AppendLine($"{key}: {string.Join(" | ", values)}");
        foreach (var (metric, values) in comparison.Metrics)
            text.AppendLine($"{metric}: {string.Join(" | ", values.Select(v => v?.ToString("0.####", CultureInfo.InvariantCulture) ?? "-"))}");
        return text.ToString();
    }
}
