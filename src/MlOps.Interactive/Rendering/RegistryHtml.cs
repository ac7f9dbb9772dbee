using System.Globalization;
using System.Text;
using MlOps.Registry;
using static MlOps.Interactive.Rendering.Svg;

namespace MlOps.Interactive.Rendering;

/// <summary>
/// The registry views: versions table (stage, aliases, metrics), gate results with pass/fail marks, and the history
/// as a timeline. Plain HTML styled inline, no scripts, like <see cref="HtmlReport"/>.
/// </summary>
internal static class RegistryHtml
{
    private const string Table = HtmlStyle.Table, Cell = HtmlStyle.Cell, Num = HtmlStyle.Num;

    // The headline metrics a versions table shows, in this order, when the versions have them.
    private static readonly string[] Headline = ["auc", "accuracy", "f1", "macro_accuracy", "micro_accuracy", "rmse", "mae", "r2"];

    public static string Registered(ModelVersion v, bool reused = false) =>
        $"<div class=\"mlops-registered\"><h4 style=\"margin:4px 0\">{(reused ? "run" : "registered run")} <code>{E(Short(v.RunId))}</code> " +
        $"{(reused ? "is already" : "as")} {E(v.Model)} v{v.Version}{(reused ? " (reused)" : "")}</h4>{Versions([v])}</div>";

    public static string Versions(IReadOnlyList<ModelVersion> versions)
    {
        if (versions.Count == 0)
            return "<p>No versions.</p>";
        var metrics = Headline.Where(m => versions.Any(v => v.Metrics.ContainsKey(m))).ToList();
        var html = new StringBuilder($"<table class=\"mlops-versions\" style=\"{Table}\"><thead><tr>");
        foreach (var h in new[] { "version", "stage", "aliases", "run", "trainer" }.Concat(metrics).Append("registered").Append("description"))
            html.Append($"<th style=\"{Cell}\">{E(h)}</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var v in versions)
        {
            html.Append(v.Stage == ModelStage.Production ? "<tr style=\"background:#eaffea\">" : "<tr>");
            html.Append($"<td style=\"{Num}\">v{v.Version}</td><td style=\"{Cell}\">{Stage(v.Stage)}</td>");
            html.Append($"<td style=\"{Cell}\">{string.Join(" ", v.Aliases.Select(a => $"<code>@{E(a)}</code>"))}</td>");
            html.Append($"<td style=\"{Cell}\"><code title=\"{E(v.RunId)}\">{E(Short(v.RunId))}</code></td><td style=\"{Cell}\">{E(v.Trainer)}</td>");
            foreach (var m in metrics)
                html.Append($"<td style=\"{Num}\">{(v.Metrics.TryGetValue(m, out var x) ? F(x) : "-")}</td>");
            html.Append($"<td style=\"{Cell}\">{v.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss} by {E(v.CreatedBy)}</td><td style=\"{Cell}\">{E(v.Description)}</td></tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    public static string Gates(IReadOnlyList<GateResult> gates)
    {
        if (gates.Count == 0)
            return "<p style=\"color:#666\">No gates ran (moving to Archived needs none).</p>";
        var html = new StringBuilder($"<table class=\"mlops-gates\" style=\"{Table}\"><thead><tr><th style=\"{Cell}\"></th><th style=\"{Cell}\">gate</th><th style=\"{Cell}\">detail</th></tr></thead><tbody>");
        foreach (var g in gates)
            html.Append($"<tr class=\"{(g.Passed ? "pass" : "fail")}\"><td style=\"{Cell};color:{(g.Passed ? "#070" : "#b00")};font-weight:bold\" title=\"{(g.Passed ? "passed" : "failed")}\">{Mark(g.Passed)}</td>" +
                $"<td style=\"{Cell}\"><code>{E(g.Name)}</code></td><td style=\"{Cell}\">{E(g.Detail)}</td></tr>");
        return html.Append("</tbody></table>").ToString();
    }

    public static string Promotion(PromotionResult r)
    {
        var head = r.Promoted
            ? $"{E(r.Version.Model)} v{r.Version.Version} is now {Stage(r.Version.Stage)}" + (r.Displaced is { } d ? $" (v{d} left Production)" : "")
            : r.Unchanged ? $"{E(r.Version.Model)} v{r.Version.Version} is already {Stage(r.Version.Stage)}: nothing to do"
            : $"<span style=\"color:#b00\">{E(r.Version.Model)} v{r.Version.Version} was NOT moved to {E(r.Requested.ToString())}</span>: a gate failed (it stays {Stage(r.Version.Stage)})";
        return $"<div class=\"mlops-promotion\"><h4 style=\"margin:4px 0\">{head}</h4>{Gates(r.Gates)}</div>";
    }

    public static string GateCheck(string model, int version, ModelStage target, IReadOnlyList<GateResult> gates) =>
        $"<div class=\"mlops-gate-check\"><h4 style=\"margin:4px 0\">{E(model)} v{version} toward {E(target.ToString())}: " +
        (gates.All(g => g.Passed) ? "all gates passed" : "<span style=\"color:#b00\">a gate FAILED</span>") + $"</h4>{Gates(gates)}</div>";

    /// <summary>The audit trail, oldest first, as a vertical timeline.</summary>
    public static string History(IReadOnlyList<Transition> history)
    {
        if (history.Count == 0)
            return "<p style=\"color:#666\">No stage changes yet.</p>";
        var html = new StringBuilder("<ol class=\"mlops-history\" style=\"list-style:none;margin:4px 0;padding-left:12px;border-left:2px solid #999;font-size:12px\">");
        foreach (var t in history)
        {
            var passed = t.Gates.Count(g => g.Passed);
            html.Append($"<li style=\"margin:0 0 6px 0;position:relative\"><span style=\"color:#999;margin-left:-19px;margin-right:6px\">●</span>" +
                $"<span style=\"color:#666\">{t.At.ToLocalTime():yyyy-MM-dd HH:mm:ss}</span> <b>v{t.Version}</b> {Stage(t.From)} → {Stage(t.To)} " +
                $"by {E(t.By)}{(t.Reason.Length > 0 ? $": <i>{E(t.Reason)}</i>" : "")}" +
                (t.Gates.Count > 0 ? $" <span style=\"color:#070\" title=\"{E(string.Join(", ", t.Gates.Select(g => g.Name)))}\">{Mark(true)} {passed}/{t.Gates.Count} gates</span>" : "") + "</li>");
        }
        return html.Append("</ol>").ToString();
    }

    public static string Model(RegisteredModel m)
    {
        var html = new StringBuilder($"<div class=\"mlops-model\"><h4 style=\"margin:4px 0\">model {E(m.Name)}: {m.Versions.Count} version(s)</h4>");
        html.Append(Versions(m.Versions)).Append("<h5 style=\"margin:6px 0 2px 0\">history</h5>").Append(History(m.History));
        if (m.GateRuns.Count > 0)
        {
            html.Append($"<h5 style=\"margin:6px 0 2px 0\">gate runs</h5><table class=\"mlops-gate-runs\" style=\"{Table}\">");
            foreach (var g in m.GateRuns)
                html.Append($"<tr><td style=\"{Cell};color:{(g.Passed ? "#070" : "#b00")}\">{Mark(g.Passed)}</td><td style=\"{Cell}\">{g.At.ToLocalTime():yyyy-MM-dd HH:mm:ss}</td>" +
                    $"<td style=\"{Cell}\">v{g.Version} → {E(g.Target.ToString())} ({E(g.Purpose)}) by {E(g.By)}</td>" +
                    $"<td style=\"{Cell}\">{E(string.Join("; ", g.Results.Where(r => !r.Passed).Select(r => $"{r.Name}: {r.Detail}")))}</td></tr>");
            html.Append("</table>");
        }
        return html.Append("</div>").ToString();
    }

    public static string Models(IReadOnlyList<ModelSummary> models)
    {
        if (models.Count == 0)
            return "<p>No registered models. Register one with <code>#!register --run ID --model NAME</code>.</p>";
        var html = new StringBuilder($"<table class=\"mlops-models\" style=\"{Table}\"><tr><th style=\"{Cell}\">model</th><th style=\"{Cell}\">versions</th><th style=\"{Cell}\">Production</th><th style=\"{Cell}\">updated</th></tr>");
        foreach (var m in models)
            html.Append($"<tr><td style=\"{Cell}\">{E(m.Name)}</td><td style=\"{Num}\">{m.Versions}</td><td style=\"{Cell}\">{(m.ProductionVersion is { } p ? $"v{p}" : "none")}</td>" +
                $"<td style=\"{Cell}\">{m.UpdatedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}</td></tr>");
        return html.Append("</table>").ToString();
    }

    public static string Lineage(ModelLineage lineage)
    {
        var (v, run) = lineage;
        var rows = new List<(string, string)>
        {
            ("run", $"<code>{E(v.RunId)}</code> ({(run is null ? "no longer in the store" : E(run.Status.ToString().ToLowerInvariant()))})"),
            ("experiment", E(v.Experiment)),
            ("trainer", E(v.Trainer)),
            ("featurizer code", v.FeaturizerCodeHash.Length > 0 ? $"<code>{E(v.FeaturizerCodeHash)}</code>" : "declarative steps only (no custom code)"),
            ("data", v.Data is { } d ? $"<code>{E(d.Sha256)}</code> ({d.Rows} rows)" : "unknown"),
            ("artifact", $"<code>{E(v.Artifact.Sha256)}</code> ({v.Artifact.Bytes} bytes)"),
        };
        rows.AddRange(v.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ($"param {p.Key}", E(p.Value))));
        var html = new StringBuilder($"<div class=\"mlops-lineage\"><h4 style=\"margin:4px 0\">lineage of {E(v.Model)} v{v.Version} ({Stage(v.Stage)})</h4><table style=\"{Table}\">");
        foreach (var (k, value) in rows)
            html.Append($"<tr><th style=\"{Cell}\">{E(k)}</th><td style=\"{Cell}\">{value}</td></tr>");
        return html.Append("</table></div>").ToString();
    }

    private static string Stage(ModelStage stage) => stage switch
    {
        ModelStage.Production => "<b style=\"color:#070\">Production</b>",
        ModelStage.Staging => "<b style=\"color:#a60\">Staging</b>",
        ModelStage.Archived => "<span style=\"color:#888\">Archived</span>",
        _ => "<span style=\"color:#888\">None</span>",
    };

    internal static string Mark(bool passed) => passed ? "✓" : "✗";

    internal static string Short(string id) => id[..Math.Min(12, id.Length)];

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "-";
}
