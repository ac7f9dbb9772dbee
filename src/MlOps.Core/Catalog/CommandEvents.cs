using MlOps.Monitoring;
using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Catalog;

/// <summary>
/// The registry events of one command (CLI verb or notebook directive): its own hub, so the listeners hear only this
/// command's changes, forwarded to the process-wide hub, so a server started in this process (a notebook's #!deploy)
/// hears a promotion at once. A registered version gets its reference profile (monitoring never re-reads its
/// training data) and every registration and promotion goes to the company catalog.
/// </summary>
public sealed class CommandEvents : IDisposable
{
    private readonly IDisposable _forward;
    private readonly IDisposable _profiles;
    private readonly CatalogFeed _catalog;

    public CommandEvents(IRunStore store, string project, Func<ICatalogStore> catalog)
    {
        _forward = Hub.Subscribe(RegistryEventHub.Shared.Publish);
        _profiles = ReferenceProfiles.BuildOnRegistration(Hub, store);
        _catalog = CatalogFeed.Attach(Hub, catalog, project, store);
    }

    public RegistryEventHub Hub { get; } = new();

    /// <summary>Listener failures (a catalog or profile write): the registry change itself is done.</summary>
    public IReadOnlyList<Exception> Failures => Hub.HandlerErrors;

    public void Dispose()
    {
        _catalog.Dispose();
        _profiles.Dispose();
        _forward.Dispose();
    }
}
