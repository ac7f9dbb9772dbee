using MlOps.Tracking;

namespace MlOps.Pipeline;

/// <summary>One run of an experiment invocation. Status on the wire: finished | failed | cached (nothing re-ran).</summary>
public sealed record RunOutcome(Run Run, bool Cached, IReadOnlyList<string> Notes)
{
    public string Status => Cached ? "cached" : Run.Status == RunStatus.Failed ? "failed" : "finished";

    /// <summary>Marked on the best finished run of the invocation by the primary metric.</summary>
    public bool IsBest { get; init; }
}

/// <summary>The result of `experiment run`: every run, the best one marked.</summary>
public sealed record ExperimentResult(string Experiment, IReadOnlyList<RunOutcome> Runs)
{
    public RunOutcome? Best => Runs.FirstOrDefault(r => r.IsBest);

    public bool Succeeded => Runs.All(r => r.Run.Status != RunStatus.Failed);
}
