namespace MlOps.Registry;

/// <summary>
/// A minimal in-process publish/subscribe hub. Handlers run synchronously after the change is committed; a
/// failing handler never undoes the change or stops other handlers (its exception is collected and rethrown
/// as one <see cref="AggregateException"/> only if <see cref="ThrowHandlerErrors"/> is set).
/// </summary>
public sealed class RegistryEventHub
{
    private readonly object _gate = new();
    private ImmutableHandlers _handlers = new([]);

    /// <summary>The hub registries use when none is given: subscribe here to hear every registry in the process.</summary>
    public static RegistryEventHub Shared { get; } = new();

    public bool ThrowHandlerErrors { get; init; }

    /// <summary>Handler errors swallowed so far (when not thrown), newest last.</summary>
    public IReadOnlyList<Exception> HandlerErrors => _errors;

    private readonly List<Exception> _errors = [];

    public IDisposable Subscribe(Action<RegistryEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate) _handlers = new([.. _handlers.Items, handler]);
        return new Subscription(this, handler);
    }

    /// <summary>Subscribe to one kind of event only.</summary>
    public IDisposable Subscribe<T>(Action<T> handler) where T : RegistryEvent =>
        Subscribe(e => { if (e is T typed) handler(typed); });

    public void Publish(RegistryEvent e)
    {
        var errors = new List<Exception>();
        foreach (var handler in _handlers.Items)
        {
            try { handler(e); }
            catch (Exception ex) { errors.Add(ex); }
        }
        if (errors.Count == 0) return;
        lock (_gate) _errors.AddRange(errors);
        if (ThrowHandlerErrors) throw new AggregateException("A registry event handler failed; the change itself is committed.", errors);
    }

    private void Unsubscribe(Action<RegistryEvent> handler)
    {
        lock (_gate) _handlers = new(_handlers.Items.Where(h => !ReferenceEquals(h, handler)).ToArray());
    }

    // Copy-on-write so publishing never holds the lock while handlers run.
    private sealed record ImmutableHandlers(Action<RegistryEvent>[] Items);

    private sealed class Subscription(RegistryEventHub hub, Action<RegistryEvent> handler) : IDisposable
    {
        public void Dispose() => hub.Unsubscribe(handler);
    }
}
