using MlOps.Server;

namespace MlOps.Interactive;

/// <summary>
/// The deployments this kernel started. Disposed with the kernel, so closing or restarting a notebook never leaves a
/// server holding a port.
/// </summary>
internal sealed class NotebookDeployments : IDisposable
{
    private readonly List<ModelDeployment> _running = [];
    private readonly object _gate = new();

    public IReadOnlyList<ModelDeployment> Running
    {
        get { lock (_gate) return _running.ToList(); }
    }

    public void Add(ModelDeployment deployment)
    {
        lock (_gate) _running.Add(deployment);
    }

    public async Task<IReadOnlyList<ModelDeployment>> StopAsync(Func<ModelDeployment, bool> which)
    {
        List<ModelDeployment> stopping;
        lock (_gate)
        {
            stopping = _running.Where(which).ToList();
            _running.RemoveAll(stopping.Contains);
        }
        foreach (var deployment in stopping)
            await deployment.DisposeAsync();
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
