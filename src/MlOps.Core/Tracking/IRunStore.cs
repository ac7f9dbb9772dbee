namespace MlOps.Tracking;

/// <summary>
/// Where runs, their details and the stage cache live. Kept to primitives so that a second backend
/// (a shared server database) can implement it without changing callers; conveniences live in the engine.
/// Implementations must be safe for several threads and several processes writing at once.
/// </summary>
public interface IRunStore : IDisposable
{
    /// <summary>A human-readable location, e.g. the LiteDB file path.</summary>
    string Location { get; }

    IArtifactStore Artifacts { get; }

    /// <summary>Insert or replace by <see cref="Run.Id"/>.</summary>
    void SaveRun(Run run);

    /// <summary>By full id or unique prefix (at least 4 characters); null when none; throws when the prefix is ambiguous.</summary>
    Run? FindRun(string idOrPrefix);

    IReadOnlyList<Run> QueryRuns(RunQuery query);

    IReadOnlyList<ExperimentSummary> ListExperiments();

    void SaveDetails(RunDetails details);

    RunDetails? FindDetails(string runId);

    StageCacheEntry? FindStage(string key);

    void SaveStage(StageCacheEntry entry);

    /// <summary>
    /// A run with its details and the cache entries it produced, in one transaction (like MLflow's log_batch):
    /// the end of a run is one write, and readers never see the run finished without its details.
    /// </summary>
    void SaveBatch(Run run, RunDetails? details, IReadOnlyList<StageCacheEntry> stages);
}
