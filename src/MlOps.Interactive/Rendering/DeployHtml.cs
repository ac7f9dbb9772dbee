using System.Text;
using MlOps.Server;
using MlOps.Serving;
using static MlOps.Interactive.Rendering.HtmlStyle;
using static MlOps.Interactive.Rendering.Svg;

namespace MlOps.Interactive.Rendering;

/// <summary>Notebook views of deployments: the server just started, and the deployments table.</summary>
internal static class DeployHtml
{
    public static string Started(ModelDeployment deployment, string curl)
    {
        var scorer = deployment.Server.Scorer;
        var v = scorer.Version;
        var follows = deployment.Watch is { } w ? $"following {w.Selector}: it switches when that moves" : "pinned to this version";
        return $"<div class=\"mlops-deployment\"><p>Serving <b>{E(v.Model)} v{v.Version}</b> ({E(v.Stage.ToString())}, {E(v.Task)}, sha256 <code>{E(scorer.Sha256[..12])}</code>) at " +
            $"<a href=\"{E(deployment.Url)}/version\">{E(deployment.Url)}</a>, {E(follows)}.</p>" +
            $"<p>Routes: <code>POST /invocations</code>, <code>GET /health</code>, <code>/version</code>, <code>/metrics</code>, <code>/openapi.json</code>. Sample request:</p><pre>{E(curl)}</pre></div>";
    }

    public static string List(IReadOnlyList<Deployment> records, IReadOnlyDictionary<string, ModelDeployment> live)
    {
        if (records.Count == 0)
            return "<p>No deployments. Start one with <code>#!deploy serve --model NAME</code> or <code>mlops deploy serve --model NAME</code>.</p>";
        var html = new StringBuilder($"<table class=\"mlops-deployments\" style=\"{Table}\"><tr>");
        foreach (var h in new[] { "model", "version", "selector", "URL", "from", "started", "status", "requests", "p50 ms", "p99 ms", "swaps" })
            html.Append($"<th style=\"{Cell}\">{h}</th>");
        html.Append("</tr>");
        foreach (var d in records)
        {
            var status = d.IsRunning ? (live.ContainsKey(d.Id) ? "running here" : "running") : d.StoppedAt is { } s ? $"stopped {s.ToLocalTime():HH:mm:ss}" : "gone";
            html.Append($"<tr><td style=\"{Cell}\">{E(d.Model)}</td><td style=\"{Num}\">v{d.Version}</td><td style=\"{Cell}\">{E(d.Selector)}</td>" +
                $"<td style=\"{Cell}\"><code>{E(d.Url)}</code></td><td style=\"{Cell}\">{E(d.Source)} (pid {d.ProcessId})</td>" +
                $"<td style=\"{Cell}\">{d.StartedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}</td><td style=\"{Cell}\">{E(status)}</td>");
            // Live figures only for servers in this kernel; others are read from their /metrics route.
            if (live.TryGetValue(d.Id, out var here))
            {
                var stats = here.Server.Stats;
                html.Append($"<td style=\"{Num}\">{stats.Requests}</td><td style=\"{Num}\">{stats.P50Ms:0.##}</td><td style=\"{Num}\">{stats.P99Ms:0.##}</td><td style=\"{Num}\">{stats.Swaps}</td></tr>");
            }
            else
            {
                html.Append($"<td style=\"{Cell}\" colspan=\"4\">see <code>{E(d.Url)}/metrics</code></td></tr>");
            }
        }
        return html.Append("</table>").ToString();
    }
}

/// <summary>The same views as plain text (offline viewers, logs).</summary>
internal static class DeployText
{
    public static string List(IReadOnlyList<Deployment> records) => records.Count == 0
        ? "No deployments."
        : string.Join("\n", records.Select(d => $"{d.Model} v{d.Version} ({d.Selector}) {d.Url} from {d.Source} pid {d.ProcessId}, started {d.StartedAt:u}{(d.IsRunning ? ", running" : ", stopped")}"));
}
