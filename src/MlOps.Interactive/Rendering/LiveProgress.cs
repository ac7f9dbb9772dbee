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

    public string Html(bool done = false)
    {
        lock (_gate)
        {
            var finished = _latest.Values.Count(p => p.Stage == "evaluate" && p.State is StageState.Finished or StageState.Cached || p.State == StageState.Failed);
            var html = new StringBuilder("<div class=\"mlops-progress\" style=\"font-family:monospace;font-size:12px\">");
            html.Append($"<b>{Svg.E(experiment)}</b>: {(done ? "done" : "running")}, {finished} of {(_variants == 0 ? "?" : _variants.ToString())} run(s) finished, {_clock.Elapsed:mm\\:ss} elapsed");
            foreach (var p in _latest.Values)
            {
                var state = p.State switch
                {
                    StageState.Started => "…",
                    StageState.Finished => $"done in {p.Elapsed.TotalSeconds:0.00}s",
                    StageState.Cached => "cached",
                    _ => "FAILED: " + p.Detail,
                };
                html.Append($"<br/>run {p.Variant} of {p.Variants} · {Svg.E(p.Trainer)} · {Svg.E(p.Stage)} {Svg.E(state)}");
            }

            return html.Append("</div>").ToString();
        }
    }
}
