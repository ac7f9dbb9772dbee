using MlOps.Tracking;

namespace MlOps.Pipeline;

/// <summary>
/// The runs this process has started and not yet ended, so that a process told to stop (Ctrl+C, SIGTERM) can store
/// them as failed ("interrupted") before it exits, instead of leaving them "running" for good (MLflow's stuck
/// RUNNING runs). A run's end and an interruption exclude each other: whichever comes first is what is stored.
/// A process killed outright (SIGKILL, power loss) still leaves its runs running.
/// </summary>
public static class RunsInFlight
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, (IRunStore Store, Run Run)> Running = [];
    private static string? _interrupted;

    /// <summary>Store a new run as running and track it (refused once the process is stopping).</summary>
    internal static void Start(IRunStore store, Run run)
    {
        lock (Gate)
        {
            if (_interrupted is { } why)
                throw new MlOpsException($"No new run was started: this process is stopping ({why}).");
            store.SaveRun(run);
            Running[run.Id] = (store, run);
        }
    }

    /// <summary>
    /// Store the run's end through <paramref name="save"/> unless an interruption already stored it as failed
    /// (then nothing is written and false is returned).
    /// </summary>
    internal static bool Ended(Run run, Action save)
    {
        lock (Gate)
        {
            if (!Running.Remove(run.Id) && _interrupted is not null)
                return false;
            save();
            return true;
        }
    }

    /// <summary>How many runs of this process are running now.</summary>
    public static int Count
    {
        get { lock (Gate) return Running.Count; }
    }

    /// <summary>
    /// Store every running run of this process as failed with <paramref name="reason"/>, and refuse new ones. Called
    /// by a surface when its process is asked to stop; returns the runs it ended. A store that fails to write is
    /// skipped (the process is stopping anyway): that run stays running.
    /// </summary>
    public static IReadOnlyList<string> Interrupt(string reason)
    {
        lock (Gate)
        {
            _interrupted ??= reason;
            var ended = new List<string>();
            foreach (var (id, (store, run)) in Running)
            {
                try
                {
                    store.SaveRun(run with
                    {
                        Status = RunStatus.Failed, EndedAt = DateTimeOffset.UtcNow,
                        Error = $"Interrupted ({reason}) before it finished; nothing it computed was kept. Run the experiment again.",
                    });
                    ended.Add(id);
                }
                catch (Exception)
                {
                }
            }
            Running.Clear();
            return ended;
        }
    }
}
