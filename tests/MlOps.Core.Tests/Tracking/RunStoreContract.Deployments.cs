using MlOps.Serving;

namespace MlOps.Tests.Tracking;

/// <summary>What every backend must do with deployment records.</summary>
public abstract partial class RunStoreContract
{
    protected IDeploymentStore Deployments => (IDeploymentStore)Store;

    [Fact]
    public void Deployments_round_trip_newest_first_and_a_stop_replaces_the_record()
    {
        var first = new Deployment
        {
            Id = Deployment.NewId(), Model = "m", Version = 1, Url = "http://127.0.0.1:5000", Source = "cli", Selector = "Production",
            StartedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        };
        var second = first with { Id = Deployment.NewId(), Version = 2, ShadowVersion = 3, Source = "notebook", StartedAt = first.StartedAt.AddHours(1) };
        var other = first with { Id = Deployment.NewId(), Model = "other" };
        Deployments.SaveDeployment(first);
        Deployments.SaveDeployment(second);
        Deployments.SaveDeployment(other);

        Assert.Equal([second, first], Deployments.ListDeployments("m"));
        Assert.Equal(3, Deployments.ListDeployments().Count);
        // Started by this very process, not stopped: running.
        Assert.True(first.IsRunning);

        var stopped = first with { StoppedAt = first.StartedAt.AddMinutes(5) };
        Deployments.SaveDeployment(stopped);
        Assert.Equal([second, stopped], Deployments.ListDeployments("m"));
        Assert.False(stopped.IsRunning);
        // A record left open by a process that no longer exists is not running either.
        Assert.False((first with { ProcessId = int.MaxValue }).IsRunning);
    }
}
