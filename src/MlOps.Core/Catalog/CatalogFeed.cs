using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Catalog;

/// <summary>
/// Feeds a surface's registry events into the company catalog, opening the catalog only when an event arrives (a
/// read-only command never touches it). A failed catalog write never undoes the registry change: the hub keeps the
/// error and the surface reports it as a warning.
/// </summary>
public sealed class CatalogFeed : IDisposable
{
    private readonly Func<ICatalogStore> _open;
    private readonly string _project;
    private readonly IRunStore? _runs;
    private readonly IDisposable _subscription;
    private readonly object _gate = new();
    private ICatalogStore? _store;

    private CatalogFeed(RegistryEventHub events, Func<ICatalogStore> open, string project, IRunStore? runs)
    {
        (_open, _project, _runs) = (open, project, runs);
        _subscription = events.Subscribe(Publish);
    }

    public static CatalogFeed Attach(RegistryEventHub events, Func<ICatalogStore> open, string project, IRunStore? runs = null) =>
        new(events, open, project, runs);

    /// <summary>
    /// The project name a store stands for: the folder holding the store's folder (the repository, for the default
    /// .mlops; a LiteDB store's Location is its file), or a server store's database.
    /// </summary>
    public static string ProjectOf(IRunStore store)
    {
        if (Uri.TryCreate(store.Location, UriKind.Absolute, out var url) && !url.IsFile)
            return Uri.UnescapeDataString(url.AbsolutePath.Trim('/'));
        var folder = Path.GetDirectoryName(Path.GetFullPath(store.Location))!.TrimEnd(Path.DirectorySeparatorChar);
        return Path.GetFileName(Path.GetDirectoryName(folder)) ?? "";
    }

    private void Publish(RegistryEvent e)
    {
        lock (_gate)
        {
            _store ??= _open();
            new ModelCatalog(_store).Record(e, _project, _runs);
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        lock (_gate)
            (_store as IDisposable)?.Dispose();
    }
}
