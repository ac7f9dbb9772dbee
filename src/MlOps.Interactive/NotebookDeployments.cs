using MlOps.Server;
using MlOps.Serving;
using MlOps.Storage.LiteDb;

namespace MlOps.Interactive;

/// <summary>A server started from this notebook: its record in the store and the live server.</summary>
internal sealed class RunningDeployment(Deployment record, ModelServer server, ModelScorer scorer, string storePath)
{
    public Deployment Record { get; private set; } = record;

    public ModelServer Server { get; } = server;

    public ModelScorer Scorer { get; } = scorer;

    public string StorePath { get; } = storePath;

    /// <summary>Stop serving, then record the stop (the server is gone even if the store cannot be written).</summary>
    public async Task StopAsync()
    {
        await Server.DisposeAsync();
        Scorer.Dispose();
        Record = Record with { StoppedAt = DateTimeOffset.UtcNow };
        using var store = LiteDbRunStore.Open(StorePath);
        store.SaveDeployment(Record);
    }
}

/// <summary>
/// The servers this kernel started. Disposed with the kernel, so closing or restarting a notebook never leaves a
/// server holding a port.
/// </summary>
internal sealed class NotebookDeployments : IDisposable
{
    private readonly List<RunningDeployment> _running = [];
    private readonly object _gate = new();

    public IReadOnlyList<RunningDeployment> Running
    {
        get { lock (_gate) return _running.ToList(); }
    }

    public void Add(RunningDeployment deployment)
    {
        lock (_gate) _running.Add(deployment);
    }

    public async Task<IReadOnlyList<RunningDeployment>> StopAsync(Func<RunningDeployment, bool> which)
    {
        List<RunningDeployment> stopping;
        lock (_gate)
        {
            stopping = _running.Where(which).ToList();
            _running.RemoveAll(stopping.Contains);
        }
        foreach (var deployment in stopping)
            await deployment.StopAsync();
        return stopping;
    }

    public void Dispose()
    {
        try
        {
            StopAsync(_ => true).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is MlOpsException or IOException)
        {
            // The kernel is going away; a stop that cannot be recorded leaves an open record whose process is gone,
            // which Deployment.IsRunning already reads as stopped.
        }
    }
}
