using System.Globalization;
using System.Text;
using MlOps.Pipeline;
using MlOps.Tracking;
using MlOps.Training;
using static MlOps.Interactive.Rendering.Svg;

namespace MlOps.Interactive.Rendering;

/// <summary>
/// The notebook views: plain HTML tables and inline SVG charts, styled inline (notebook front ends drop
/// &lt;style&gt; blocks inconsistently), readable with scripts stripped.
/// </summary>
internal static class HtmlReport
{
    private const string Table = HtmlStyle.Table, Cell = HtmlStyle.Cell, Num = HtmlStyle.Num;

    public static string Result(ExperimentResult result, RunDetails? bestDetails)
    {
        var html = new StringBuilder($"<div class=\"mlops-experiment\"><h4 style=\"margin:4px 0\">experiment {E(result.Experiment)}: {result.Runs.Count} run(s)");
        if (result.Best is { } best)
            html.Append($", best <code>{E(best.Run.Id)}</code> ({E(best.Run.Trainer)})");
        html.Append("</h4>");
        html.Append(Runs(result.Runs.Select(o => o.Run).ToList(), result.Best?.Run.Id, result.Runs.ToDictionary(o => o.Run.Id, o => o.Status)));
        foreach (var o in result.Runs.Where(o => o.Run.Error is not null))
            html.Append($"<p style=\"color:#b00\">run <code>{E(o.Run.Id[..12])}</code> failed: {E(o.Run.Error!)}</p>");
        foreach (var note in result.Runs.SelectMany(o => o.Notes).Distinct())
            html.Append($"<p style=\"color:#666;font-size:11px;margin:1px 0\">note: {E(note)}</p>");
        var charts = new List<string>();
        if (SweepChart(result.Runs.Select(o => o.Run).ToList()) is { Length: > 0 } sweep)
            charts.Add(sweep);
        if (result.Best is { } b)
            charts.AddRange(RunCharts(b.Run, bestDetails));
        html.Append(Charts(charts)).Append("</div>");
        return html.ToString();
    }

    /// <summary>Runs with the params that differ between them and the headline metrics; the best run starred.</summary>
    public static string Runs(IReadOnlyList<Run> runs, string? bestId, IReadOnlyDictionary<string, string>? statuses = null)
    {
        if (runs.Count == 0)
            return "<p>No runs.</p>";
        var varying = VaryingParams(runs);
        var metrics = MetricNames(runs);
        var html = new StringBuilder($"<table class=\"mlops-runs\" style=\"{Table}\"><thead><tr>");
        foreach (var h in new[] { "", "run", "experiment", "status", "trainer" }.Concat(varying).Concat(metrics).Append("stages cached").Append("started"))
            html.Append($"<th style=\"{Cell}\">{E(h)}</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var run in runs)
        {
            var isBest = run.Id == bestId;
            var status = statuses?.GetValueOrDefault(run.Id) ?? run.Status.ToString().ToLowerInvariant();
            html.Append(isBest ? "<tr class=\"best\" style=\"background:#eaffea;font-weight:bold\">" : "<tr>");
            html.Append($"<td style=\"{Cell}\" title=\"{(isBest ? "best run" : "")}\">{(isBest ? "★" : "")}</td>");
            html.Append($"<td style=\"{Cell}\"><code title=\"{E(run.Id)}\">{E(run.Id[..Math.Min(12, run.Id.Length)])}</code></td>");
            html.Append($"<td style=\"{Cell}\">{E(run.Experiment)}</td>");
            html.Append($"<td style=\"{Cell}{(status == "failed" ? ";color:#b00" : "")}\">{E(status)}</td>");
            html.Append($"<td style=\"{Cell}\">{E(run.Trainer)}</td>");
            foreach (var p in varying)
                html.Append($"<td style=\"{Cell}\">{E(run.Params.GetValueOrDefault(p) ?? "")}</td>");
            foreach (var m in metrics)
                html.Append($"<td style=\"{Num}\">{F(run.Metrics.TryGetValue(m, out var v) ? v : null)}</td>");
            html.Append($"<td style=\"{Num}\">{run.Stages.Count(s => s.Cached)}/{run.Stages.Count}</td>");
            html.Append($"<td style=\"{Cell}\">{run.StartedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}</td></tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    public static string Experiments(IReadOnlyList<ExperimentSummary> experiments)
    {
        if (experiments.Count == 0)
            return "<p>No experiments in this store yet. Start one with <code>#!experiment run --name NAME --data FILE --label COLUMN</code>.</p>";
        var html = new StringBuilder($"<table class=\"mlops-experiments\" style=\"{Table}\"><tr><th style=\"{Cell}\">experiment</th><th style=\"{Cell}\">runs</th><th style=\"{Cell}\">last run</th></tr>");
        foreach (var e in experiments)
            html.Append($"<tr><td style=\"{Cell}\">{E(e.Name)}</td><td style=\"{Num}\">{e.Runs}</td><td style=\"{Cell}\">{e.LastRunAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}</td></tr>");
        return html.Append("</table>").ToString();
    }

    public static string Run(Run run, RunDetails? details)
    {
        var html = new StringBuilder($"<div class=\"mlops-run\"><h4 style=\"margin:4px 0\">run <code>{E(run.Id)}</code> of {E(run.Experiment)}: {E(run.Status.ToString().ToLowerInvariant())}, {E(run.Trainer)} ({E(run.Task)})</h4>");
        if (run.Error is not null)
            html.Append($"<p style=\"color:#b00\">{E(run.Error)}</p>");
        html.Append("<div style=\"display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start\">");
        html.Append(KeyValues("metrics", run.Metrics.OrderBy(kv => kv.Key).Select(kv => (kv.Key, F(kv.Value)))));
        html.Append(KeyValues("params", run.Params.Select(kv => (kv.Key, kv.Value))));
        html.Append(KeyValues("stages", run.Stages.Select(s => (s.Name, $"{s.Seconds:0.00}s{(s.Cached ? " (cached)" : "")}"))));
        var about = new List<(string, string)>();
        if (run.Data is { } d)
            about.Add(("data", $"{d.Rows} rows, sha256 {d.Sha256[..Math.Min(12, d.Sha256.Length)]}"));
        if (run.Model is { } m)
            about.Add(("model", $"{m.Kind}, {m.Bytes:N0} bytes, sha256 {m.Sha256[..Math.Min(12, m.Sha256.Length)]}"));
        about.Add(("ML.NET", run.MlNetVersion));
        about.Add((".NET", run.RuntimeVersion));
        about.Add(("signature", string.Join(", ", run.Signature.Select(c => $"{c.Name}:{c.Type}"))));
        html.Append(KeyValues("about", about)).Append("</div>");
        html.Append(Charts(RunCharts(run, details).ToList())).Append("</div>");
        return html.ToString();
    }

    public static string Comparison(RunComparison comparison)
    {
        var ids = comparison.RunIds.Select(id => id[..Math.Min(12, id.Length)]).ToList();
        var html = new StringBuilder($"<div class=\"mlops-compare\"><h4 style=\"margin:4px 0\">{ids.Count} runs compared</h4>");
        html.Append($"<table style=\"{Table}\"><tr><th style=\"{Cell}\">param</th>");
        foreach (var id in ids)
            html.Append($"<th style=\"{Cell}\"><code>{E(id)}</code></th>");
        html.Append("</tr>");
        foreach (var (key, values) in comparison.Params)
        {
            html.Append($"<tr><td style=\"{Cell}\">{E(key)}</td>");
            foreach (var v in values)
                html.Append($"<td style=\"{Cell}\">{E(v ?? "")}</td>");
            html.Append("</tr>");
        }

        html.Append($"<tr><th style=\"{Cell}\">metric (Δ vs first)</th>{string.Concat(ids.Select(_ => $"<th style=\"{Cell}\"></th>"))}</tr>");
        foreach (var (metric, values) in comparison.Metrics)
        {
            html.Append($"<tr><td style=\"{Cell}\">{E(metric)}</td>");
            var deltas = comparison.Deltas[metric];
            for (var i = 0; i < values.Count; i++)
            {
                var delta = i == 0 || deltas[i] is null ? "" : $" <span style=\"color:{DeltaColor(metric, deltas[i]!.Value)}\">({deltas[i]:+0.0000;-0.0000;0})</span>";
                html.Append($"<td style=\"{Num}\">{F(values[i])}{delta}</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</table>");
        var roc = comparison.Details.Select((d, i) => new Series(ids[i], Points(d?.Roc))).Where(s => s.Points.Count > 0).ToList();
        var pr = comparison.Details.Select((d, i) => new Series(ids[i], Points(d?.PrecisionRecall))).Where(s => s.Points.Count > 0).ToList();
        var charts = new List<string>();
        if (roc.Count > 0)
            charts.Add(LineChart("ROC curves", "false positive rate", "true positive rate", roc, (0, 1), (0, 1), diagonal: true));
        if (pr.Count > 0)
            charts.Add(LineChart("Precision-recall curves", "recall", "precision", pr, (0, 1), (0, 1)));
        return html.Append(Charts(charts)).Append("</div>").ToString();
    }

    /// <summary>ROC, PR, confusion matrix and feature importance of one run, those its task and details have.</summary>
    public static IEnumerable<string> RunCharts(Run run, RunDetails? details)
    {
        if (details is null)
            yield break;
        var name = $"{run.Trainer} {run.Id[..Math.Min(8, run.Id.Length)]}";
        if (details.Roc.Count > 0)
            yield return LineChart($"ROC (auc {F(run.Metrics.GetValueOrDefault("auc", double.NaN))})", "false positive rate", "true positive rate",
                [new Series(name, Points(details.Roc))], (0, 1), (0, 1), diagonal: true);
        if (details.PrecisionRecall.Count > 0)
            yield return LineChart($"Precision-recall (auc {F(run.Metrics.GetValueOrDefault("pr_auc", double.NaN))})", "recall", "precision",
                [new Series(name, Points(details.PrecisionRecall))], (0, 1), (0, 1));
        if (details.Confusion is { } confusion)
            yield return Heatmap("Confusion matrix", confusion.Labels, confusion.Counts);
        if (details.Residuals.Count > 0)
            yield return LineChart("Actual vs predicted", "actual", "predicted", [new Series(name, Points(details.Residuals))], diagonal: true);
        if (details.FeatureImportance.Count > 0)
            yield return Bars("Feature importance", details.FeatureImportance.OrderByDescending(kv => kv.Value).Select(kv => (kv.Key, kv.Value)).ToList(),
                $"drop in {PrimaryMetric(run)} when shuffled");
    }

    /// <summary>
    /// The primary metric per sweep value: a line over the value when one numeric parameter varies, else a bar per run.
    /// </summary>
    public static string SweepChart(IReadOnlyList<Run> runs)
    {
        var finished = runs.Where(r => r.Status == RunStatus.Finished).ToList();
        if (finished.Count < 2)
            return "";
        var metric = PrimaryMetric(finished[0]);
        var scored = finished.Where(r => r.Metrics.ContainsKey(metric)).ToList();
        if (scored.Count < 2)
            return "";
        var varying = VaryingParams(scored);
        if (varying.Count == 1 && scored.All(r => double.TryParse(r.Params.GetValueOrDefault(varying[0]), NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            var points = scored
                .Select(r => (X: double.Parse(r.Params[varying[0]], CultureInfo.InvariantCulture), Y: r.Metrics[metric]))
                .OrderBy(p => p.X).ToList();
            return LineChart($"{metric} per {varying[0]}", varying[0], metric, [new Series(metric, points, Markers: true)]);
        }

        var bars = scored.Select(r => (Label: varying.Count == 0 ? r.Trainer : string.Join(" ", varying.Select(p => r.Params.GetValueOrDefault(p) ?? "-")), Value: r.Metrics[metric])).ToList();
        return Bars($"{metric} per run", bars, metric);
    }

    private static string PrimaryMetric(Run run)
    {
        try
        {
            return TrainerCatalog.PrimaryMetric(MlTaskNames.Parse(run.Task));
        }
        catch (Exception e) when (e is MlOpsException or ArgumentException)
        {
            return run.Metrics.Keys.FirstOrDefault() ?? "metric";
        }
    }

    internal static List<string> VaryingParams(IReadOnlyList<Run> runs) =>
        runs.SelectMany(r => r.Params.Keys).Distinct().Order(StringComparer.Ordinal)
            .Where(k => runs.Select(r => r.Params.GetValueOrDefault(k)).Distinct().Count() > 1)
            .Where(k => k != "train.trainer")
            .ToList();

    private static List<string> MetricNames(IReadOnlyList<Run> runs)
    {
        string[] headline = ["auc", "accuracy", "f1", "precision", "recall", "pr_auc", "log_loss", "macro_accuracy", "micro_accuracy", "rmse", "mae", "r2"];
        var present = runs.SelectMany(r => r.Metrics.Keys).Distinct().ToHashSet();
        return headline.Where(present.Contains).ToList();
    }

    private static IReadOnlyList<(double X, double Y)> Points(IReadOnlyList<CurvePoint>? curve) =>
        curve?.Select(p => (p.X, p.Y)).ToList() ?? [];

    private static string Charts(IReadOnlyList<string> charts) =>
        charts.Count == 0 ? "" : $"<div class=\"mlops-charts\" style=\"display:flex;flex-wrap:wrap;gap:8px\">{string.Concat(charts.Where(c => c.Length > 0))}</div>";

    private static string KeyValues(string title, IEnumerable<(string Key, string Value)> rows)
    {
        var html = new StringBuilder($"<table style=\"{Table}\"><tr><th colspan=\"2\" style=\"{Cell}\">{E(title)}</th></tr>");
        foreach (var (key, value) in rows)
            html.Append($"<tr><td style=\"{Cell}\">{E(key)}</td><td style=\"{Cell}\">{E(value)}</td></tr>");
        return html.Append("</table>").ToString();
    }

    private static string DeltaColor(string metric, double delta) =>
        delta == 0 ? "#666" : (delta > 0) == TrainerCatalog.HigherIsBetter(metric) ? "#080" : "#b00";

    private static string F(double? v) => v is { } d && double.IsFinite(d) ? d.ToString("0.0000", CultureInfo.InvariantCulture) : "-";
}
