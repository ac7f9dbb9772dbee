using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Tests.Registry;

public sealed class RegistryEventHubTests
{
    private static ModelVersion Version => new() { Model = "m", Version = 3, RunId = "r", Artifact = new ArtifactRef(new string('a', 64), 1, "model") };

    [Fact]
    public void Subscribers_hear_events_until_they_unsubscribe_and_a_failing_handler_does_not_stop_others()
    {
        var hub = new RegistryEventHub();
        var heard = new List<int>();
        using var failing = hub.Subscribe(_ => throw new InvalidOperationException("boom"));
        var typed = hub.Subscribe<ModelVersionRegistered>(e => heard.Add(e.Version));

        hub.Publish(new ModelVersionRegistered(Version));
        typed.Dispose();
        hub.Publish(new ModelVersionRegistered(Version));

        Assert.Equal([3], heard);
        Assert.Equal(2, hub.HandlerErrors.Count);
    }
}
