using System.Text;
using MlOps.Serving;
using static MlOps.Interactive.Rendering.HtmlStyle;
using static MlOps.Interactive.Rendering.Svg;

namespace MlOps.Interactive.Rendering;

/// <summary>Notebook views of deployments: the server just started, and the deployments table.</summary>
internal static class DeployHtml
{
    public static string Started(RunningDeployment running, string curl)
    {
        var v = running.Scorer.Version;
        return $"<div class=\"mlops-deployment\"><p>Serving <b>{E(v.Model)} v{v.Version}</b> ({E(v.Stage.ToString())}, {E(v.Task)}, sha256 <code>{E(running.Scorer.Sha256[..12])}</code>) at " +
            $"<a href=\"{E(running.Server.Url)}/version\">{E(running.Server.Url)}</a></p>" +
            $"<p>Routes: <code>POST /invocations</code>, <code>GET /health</code>, <code>GET /version</code>. Sample request:</p><pre>{E(curl)}</pre></div>";
    }

    public static string List(IReadOnlyList<Deployment> records, IReadOnlyDictionary<string, RunningDeployment> live)
    {
        if (records.Count == 0)
            return "<p>No deployments. Start one with <code>#!deploy serve --model NAME</code> or <code>mlops deploy serve --model NAME</code>.</p>";
        var html = new StringBuilder($"<table class=\"mlops-deployments\" style=\"{Table}\"><tr>");
        foreach (var h in new[] { "model", "version", "selector", "URL", "from", "started", "status" })
            html.Append($"<th style=\"{Cell}\">{h}</th>");
        html.Append("</tr>");
        foreach (var d in records)
        {
            var status = d.IsRunning ? (live.ContainsKey(d.Id) ? "running here" : "running") : d.StoppedAt is { } s ? $"stopped {s.ToLocalTime():HH:mm:ss}" : "gone";
            html.Append($"<tr><td style=\"{Cell}\">{E(d.Model)}</td><td style=\"{Num}\">v{d.Version}</td><td style=\"{Cell}\">{E(d.Selector)}</td>" +
                $"<td style=\"{Cell}\"><code>{E(d.Url)}</code></td><td style=\"{Cell}\">{E(d.Source)} (pid {d.ProcessId})</td>" +
                $"<td style=\"{Cell}\">{d.StartedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}</td><td style=\"{Cell}\">{E(status)}</td></tr>");
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
