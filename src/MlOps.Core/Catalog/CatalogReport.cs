using System.Globalization;
using System.Net;
using System.Text;

namespace MlOps.Catalog;

/// <summary>
/// The catalog as one static HTML page a manager opens in a browser: no scripts, no external files, inline styles,
/// so it reads the same from a file share, an e-mail attachment or a site that strips scripts.
/// </summary>
public static class CatalogReport
{
    private const string Cell = "border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top";

    public static string Html(IReadOnlyList<CatalogEntry> entries, DateTimeOffset generatedAt)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Model catalog</title></head>")
            .Append("<body style=\"font-family:system-ui,sans-serif;font-size:14px;margin:24px;color:#222\">")
            .Append($"<h1>Model catalog</h1><p>{entries.Count} model(s), generated {E(generatedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))}.</p>");
        html.Append(Table(entries));
        foreach (var e in entries)
            html.Append(Section(e));
        return html.Append("</body></html>").ToString();
    }

    /// <summary>The models table (an HTML fragment: also the notebook view).</summary>
    public static string Table(IReadOnlyList<CatalogEntry> entries)
    {
        if (entries.Count == 0)
            return "<p>No models yet: models enter the catalog when they are registered.</p>";
        var html = new StringBuilder("<table id=\"models\" class=\"mlops-catalog\" style=\"border-collapse:collapse\"><tr>");
        foreach (var h in new[] { "model", "project", "owner", "purpose", "Production", "trainer", "metrics", "monitoring", "decisions", "data" })
            html.Append($"<th style=\"{Cell};background:#f3f3f3\">{h}</th>");
        html.Append("</tr>");
        foreach (var e in entries)
            html.Append($"<tr><td style=\"{Cell}\"><a href=\"#{Anchor(e.Model)}\">{E(e.Model)}</a></td><td style=\"{Cell}\">{E(e.Project)}</td>")
                .Append($"<td style=\"{Cell}\">{E(e.Owner)}</td><td style=\"{Cell}\">{E(e.Purpose)}</td>")
                .Append($"<td style=\"{Cell}\">{(e.ProductionVersion is { } p ? $"v{p}" : "none")} (latest v{e.LatestVersion})</td><td style=\"{Cell}\">{E(e.Trainer)}</td>")
                .Append($"<td style=\"{Cell}\">{E(Metrics(e))}</td><td style=\"{Cell}\">{E(e.MonitoringStatus)}</td><td style=\"{Cell}\">{e.Decisions.Count}</td>")
                .Append($"<td style=\"{Cell}\">{E(string.Join(", ", e.DataSources))}</td></tr>");
        return html.Append("</table>").ToString();
    }

    /// <summary>One model's section: tags, last gates, and its history with the evidence of each record.</summary>
    public static string Section(CatalogEntry e)
    {
        var html = new StringBuilder($"<section id=\"{Anchor(e.Model)}\" class=\"mlops-catalog-entry\"><h2>{E(e.Model)}</h2>");
        if (e.Purpose.Length > 0 || e.Owner.Length > 0)
            html.Append($"<p>{E(e.Purpose)}{(e.Owner.Length > 0 ? $" (owner {E(e.Owner)})" : "")}</p>");
        if (e.Tags.Count > 0)
            html.Append($"<p>Tags: {E(string.Join(", ", e.Tags))}</p>");
        if (e.Gates.Count > 0)
            html.Append("<p>Gates of the last promotion: ").Append(string.Join("; ", e.Gates.Select(g => E($"{g.Key}: {g.Value}")))).Append("</p>");
        html.Append("<h3>History and decisions</h3><ol>");
        foreach (var r in e.History)
        {
            html.Append($"<li><b>{E(r.Kind)}</b> {E(r.At.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))} by {E(r.By)}: {E(r.Summary)} <small>[{E(r.Id)}]</small>");
            if (r.Evidence.Count > 0)
                html.Append("<ul>").Append(string.Concat(r.Evidence.Select(x => $"<li>{E(x)}</li>"))).Append("</ul>");
            html.Append("</li>");
        }
        return html.Append("</ol></section>").ToString();
    }

    public static string Metrics(CatalogEntry e) =>
        string.Join(", ", e.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Take(4).Select(m => $"{m.Key} {m.Value.ToString("0.###", CultureInfo.InvariantCulture)}"));

    private static string Anchor(string model) => "model-" + string.Concat(model.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-'));

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
