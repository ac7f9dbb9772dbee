using MlOps.Pipeline;

namespace MlOps.Cli;

/// <summary>
/// Live progress on stderr (stdout stays clean for --json): one line per stage event, with variant i/n and time.
/// Lines rather than a redrawn panel, so CI logs read well too.
/// </summary>
internal sealed class ConsoleProgress(TextWriter error) : IProgress<RunProgress>
{
    private readonly object _gate = new();
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public void Report(RunProgress value)
    {
        var state = value.State switch
        {
            StageState.Started => "...",
            StageState.Finished => $"done in {value.Elapsed.TotalSeconds:0.00}s",
            StageState.Cached => "cached",
            _ => "FAILED: " + value.Detail,
        };
        lock (_gate)
            error.WriteLine($"[{_clock.Elapsed:mm\\:ss}] run {value.Variant}/{value.Variants} {value.Trainer,-24} {value.Stage,-10} {state}");
    }
}
