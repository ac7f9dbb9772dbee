using System.Globalization;
using System.Text;
using MlOps.Monitoring;
using static MlOps.Interactive.Rendering.HtmlStyle;
using static MlOps.Interactive.Rendering.Svg;

namespace MlOps.Interactive.Rendering;

/// <summary>#!monitor's views: the checks table and the decision with its evidence; the time view as a line chart.</summary>
internal static class MonitorHtml
{
    private static string F(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("0.####", CultureInfo.InvariantCulture) : "-";

    private static string StatusColor(string status) => status switch { MonitoringReport.Healthy => "#070", DecisionOutcome.Acted => "#05a", _ => "#b00" };

    public static string Result(MonitorResult result)
    {
        var r = result.Report;
        var html = new StringBuilder($"<div class=\"mlops-monitor\"><h4 style=\"margin:4px 0\">{E(r.Model)} v{r.Version} on window {E(r.WindowId)} " +
            $"({r.Rows} rows, {(r.Labelled ? "labelled" : "no labels")}): <span style=\"color:{StatusColor(result.Status)}\">{E(result.Status)}</span></h4>");
        html.Append($"<table class=\"mlops-checks\" style=\"{Table}\"><thead><tr><th style=\"{Cell}\"></th><th style=\"{Cell}\">check</th><th style=\"{Cell}\">feature</th>" +
            $"<th style=\"{Cell}\">value</th><th style=\"{Cell}\">threshold</th><th style=\"{Cell}\">detail</th></tr></thead><tbody>");
        foreach (var c in r.Checks)
            html.Append($"<tr class=\"{(c.Passed ? "pass" : "fail")}\"><td style=\"{Cell};color:{(c.Passed ? "#070" : "#b00")};font-weight:bold\">{RegistryHtml.Mark(c.Passed)}</td>" +
                $"<td style=\"{Cell}\"><code>{E(c.Name)}</code></td><td style=\"{Cell}\">{E(c.Feature ?? "")}</td><td style=\"{Num}\">{F(c.Value)}</td>" +
                $"<td style=\"{Num}\">{F(c.Threshold)}</td><td style=\"{Cell}\">{E(c.Detail)}</td></tr>");
        html.Append("</tbody></table>");
        foreach (var note in r.Notes)
            html.Append($"<p style=\"color:#666;margin:2px 0\">note: {E(note)}</p>");
        html.Append(Decisions(result));
        return html.Append("</div>").ToString();
    }

    private static string Decisions(MonitorResult result)
    {
        if (result.Decision is null)
            return $"<p>{(result.Report.Status == MonitoringReport.Healthy ? "No decision: every check passed." : "No decision: the drift is noted; performance holds. Watch the next windows.")}</p>";
        var html = new StringBuilder();
        for (var (d, outcome) = (result.Decision, result.Outcome); d is not null; (d, outcome) = (outcome?.Escalated?.Decision, outcome?.Escalated))
        {
            html.Append($"<div class=\"mlops-decision\" style=\"border-left:3px solid #999;padding-left:8px;margin:6px 0\"><b>Decision {E(d.Code)}</b>: {E(d.Reason)} " +
                $"<i>({(d.Automatic ? "automatic" : "for a person")})</i><ul style=\"margin:2px 0\">");
            foreach (var e in d.Evidence)
                html.Append($"<li>{E(e)}</li>");
            html.Append($"</ul><p style=\"margin:2px 0\">Action: {E(d.Action)}</p>");
            if (outcome is null)
                html.Append("<p style=\"margin:2px 0;color:#666\">Proposed only: run with --apply to carry it out (--dry-run to see what it would train).</p>");
            else
            {
                if (outcome.Plan is { } plan)
                    html.Append($"<p style=\"margin:2px 0\">Plan: experiment <code>{E(plan.Experiment)}</code> on <code>{E(plan.Data)}</code>; " +
                        E(string.Join(", ", plan.Changes.Select(c => $"{c.Key}={c.Value ?? "(removed)"}"))) + "</p>");
                if (outcome.Gates.Count > 0)
                    html.Append(RegistryHtml.Gates(outcome.Gates));
                html.Append(outcome.Promoted
                    ? $"<p style=\"margin:2px 0;color:#05a\"><b>Applied: v{outcome.NewVersion} is now Production.</b></p>"
                    : $"<p style=\"margin:2px 0;color:#b00\">{(outcome.Applied ? "Applied, not promoted" : "Not applied")}: {E(outcome.Refused ?? "")}</p>");
            }
            html.Append("</div>");
        }
        return html.ToString();
    }

    public static string Text(MonitorResult result)
    {
        var r = result.Report;
        var text = new StringBuilder($"{r.Model} v{r.Version} on window {r.WindowId} ({r.Rows} rows): {result.Status}\n");
        foreach (var c in r.Checks)
            text.Append($"{RegistryHtml.Mark(c.Passed)} {c.Name} {c.Feature ?? ""} {F(c.Value)} (threshold {F(c.Threshold)})\n");
        for (var (d, outcome) = (result.Decision, result.Outcome); d is not null; (d, outcome) = (outcome?.Escalated?.Decision, outcome?.Escalated))
            text.Append($"Decision {d.Code}: {d.Reason}\n" + string.Concat(d.Evidence.Select(e => $"  - {e}\n")) + $"  action: {d.Action}\n" +
                (outcome is null ? "  proposed only\n" : outcome.Promoted ? $"  applied: v{outcome.NewVersion} is now Production\n" : $"  {outcome.Refused}\n"));
        return text.ToString().TrimEnd();
    }

    /// <summary>The primary metric and the drift share per window, each with its threshold line.</summary>
    public static string History(string model, IReadOnlyList<WindowSummary> windows)
    {
        if (windows.Count == 0)
            return $"<p>No monitored windows of {E(model)} yet.</p>";
        var html = new StringBuilder($"<div class=\"mlops-monitor-history\"><h4 style=\"margin:4px 0\">{E(model)}: {windows.Count} window(s)</h4><div style=\"display:flex;flex-wrap:wrap;gap:8px\">");
        var metric = windows.FirstOrDefault(w => w.Metric is not null)?.Metric;
        if (metric is not null)
            html.Append(Chart(metric, windows, w => w.Metric == metric ? w.MetricValue : null, w => w.Metric == metric ? w.MetricThreshold : null));
        html.Append(Chart("drift share", windows, w => w.DriftShare, w => w.DriftShareThreshold));
        html.Append($"</div><table style=\"{Table}\"><thead><tr>");
        foreach (var h in new[] { "#", "window", "version", "status", "rows", "metric", "value", "bound", "drift share" })
            html.Append($"<th style=\"{Cell}\">{h}</th>");
        html.Append("</tr></thead><tbody>");
        for (var i = 0; i < windows.Count; i++)
        {
            var w = windows[i];
            html.Append($"<tr><td style=\"{Num}\">{i + 1}</td><td style=\"{Cell}\">{E(w.Window)}</td><td style=\"{Num}\">v{w.Version}</td>" +
                $"<td style=\"{Cell};color:{StatusColor(w.Status)}\">{E(w.Status)}</td><td style=\"{Num}\">{w.Rows}</td><td style=\"{Cell}\">{E(w.Metric ?? "-")}</td>" +
                $"<td style=\"{Num}\">{F(w.MetricValue)}</td><td style=\"{Num}\">{F(w.MetricThreshold)}</td><td style=\"{Num}\">{F(w.DriftShare)}</td></tr>");
        }
        return html.Append("</tbody></table></div>").ToString();
    }

    private static string Chart(string name, IReadOnlyList<WindowSummary> windows, Func<WindowSummary, double?> value, Func<WindowSummary, double?> threshold)
    {
        List<(double X, double Y)> Points(Func<WindowSummary, double?> pick) =>
            windows.Select((w, i) => (X: (double)(i + 1), Y: pick(w) ?? double.NaN)).Where(p => double.IsFinite(p.Y)).ToList();
        var series = new List<Series> { new(name, Points(value), Markers: true) };
        if (Points(threshold) is { Count: > 0 } bound)
            series.Add(new Series("threshold", bound));
        return LineChart($"{name} per window", "window #", name, series);
    }

    public static string HistoryText(string model, IReadOnlyList<WindowSummary> windows) => windows.Count == 0
        ? $"No monitored windows of {model} yet."
        : string.Join("\n", windows.Select((w, i) => $"{i + 1}. {w.Window} v{w.Version} {w.Status}: {w.Metric ?? "-"} {F(w.MetricValue)} (bound {F(w.MetricThreshold)}), drift share {F(w.DriftShare)}"));
}
