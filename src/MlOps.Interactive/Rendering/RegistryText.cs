using System.Globalization;
using System.Text;
using MlOps.Registry;

namespace MlOps.Interactive.Rendering;

/// <summary>The text/plain twins of <see cref="RegistryHtml"/> (the same lines `mlops` prints).</summary>
internal static class RegistryText
{
    public static string Versions(IReadOnlyList<ModelVersion> versions) => string.Join("\n", versions.Select(v =>
        $"v{v.Version,-3} {v.Stage,-10} {(v.Aliases.Count > 0 ? "@" + string.Join(" @", v.Aliases) : ""),-20} run {RegistryHtml.Short(v.RunId)}  " +
        string.Join("  ", v.Metrics.Where(m => m.Key is "auc" or "accuracy" or "f1" or "rmse" or "macro_accuracy")
            .Select(m => $"{m.Key}={m.Value.ToString("0.0000", CultureInfo.InvariantCulture)}"))));

    public static string Gates(IReadOnlyList<GateResult> gates) => string.Join("\n", gates.Select(g => $"  {RegistryHtml.Mark(g.Passed)} {g.Name}: {g.Detail}"));

    public static string Promotion(PromotionResult r) => r.Summary + "\n" + Gates(r.Gates);

    public static string History(IReadOnlyList<Transition> history) => string.Join("\n", history.Select(t =>
        $"  {t.At.ToLocalTime():yyyy-MM-dd HH:mm:ss}  v{t.Version} {t.From} -> {t.To}  by {t.By}: {t.Reason}"));

    public static string Model(RegisteredModel m) => $"model {m.Name}\n{Versions(m.Versions)}\nhistory\n{History(m.History)}";

    public static string Lineage(ModelLineage lineage)
    {
        var (v, run) = lineage;
        var text = new StringBuilder($"{v.Model} v{v.Version} ({v.Stage})\n")
            .AppendLine($"  run          {v.RunId} ({(run is null ? "no longer in the store" : run.Status.ToString().ToLowerInvariant())}), experiment {v.Experiment}, {v.Trainer}")
            .AppendLine($"  featurizer   {(v.FeaturizerCodeHash is "" ? "declarative steps only (no custom code)" : v.FeaturizerCodeHash)}")
            .AppendLine($"  data         {(v.Data is { } d ? $"{d.Sha256} ({d.Rows} rows)" : "unknown")}")
            .Append($"  artifact     {v.Artifact.Sha256}");
        foreach (var p in v.Params.OrderBy(p => p.Key, StringComparer.Ordinal))
            text.Append($"\n  param        {p.Key} = {p.Value}");
        return text.ToString();
    }
}
