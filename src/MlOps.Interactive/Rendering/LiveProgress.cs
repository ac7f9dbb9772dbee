using System.Diagnostics;
using System.Text;
using MlOps.Pipeline;

namespace MlOps.Interactive.Rendering;

/// <summary>
/// Collects engine progress (reported from training threads) into a snapshot the handler renders on its own
/// flow, so the in-place display update always goes through the cell's invocation context.
/// </summary>
internal sealed class LiveProgress(string experiment) : IProgress<RunProgress>
{
    private readonly object _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly SortedDictionary<int, RunProgress> _latest = new();
    private int _version;
    private int _variants;

    public int Version => Volatile.Read(ref _version);

    public void Report(RunProgress value)
    {
        lock (_gate)
        {
            _latest[value.Variant] = value;
            _variants = value.Variants;
            _version++;
        }
    }

    /// <param name="state">running, done or failed: the last update says how the run ended, so no stale "running" stays beside an error.</param>
    public string Html(string state = "running")
    {
        var (head, lines) = Snapshot(state);
        var html = new StringBuilder("<div class=\"mlops-progress\" style=\"font-family:monospace;font-size:12px\">");
        html.Append($"<b>{Svg.E(experiment)}</b>: {Svg.E(head)}");
        foreach (var line in lines)
            html.Append("<br/>").Append(Svg.E(line));
        return html.Append("</div>").ToString();
    }

    /// <summary>The text/plain twin: what a terminal or a viewer that strips HTML shows (not the markup).</summary>
    public string Text(string state = "running")
    {
        var (head, lines) = Snapshot(state);
        return string.Join("\n", lines.Prepend($"{experiment}: {head}"));
    }

    private (string Head, List<string> Lines) Snapshot(string state)
    {
        lock (_gate)
        {
            var finished = _latest.Values.Count(p => p.Stage == "evaluate" && p.State is StageState.Finished or StageState.Cached || p.State == StageState.Failed);
            var head = $"{state}, {finished} of {(_variants == 0 ? "?" : _variants.ToString())} run(s) finished, {_clock.Elapsed:mm\\:ss} elapsed";
            var lines = _latest.Values.Select(p =>
            {
                var stage = p.State switch
                {
                    StageState.Started => "…",
                    StageState.Finished => $"done in {p.Elapsed.TotalSeconds:0.00}s",
                    StageState.Cached => "cached",
                    _ => "FAILED: " + p.Detail,
                };
                return $"run {p.Variant} of {p.Variants} · {p.Trainer} · {p.Stage} {stage}";
            }).ToList();
            return (head, lines);
        }
    }
}
