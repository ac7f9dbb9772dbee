using MlOps.Serving;

namespace MlOps.Server;

/// <summary>
/// A scorer with a reference count: the server holds one reference while the scorer is current, each request one
/// while it scores. A hot swap drops the server's reference; the scorer is disposed when the last request returns
/// it, so no request ever sees a disposed scorer and none waits for a lock.
/// </summary>
internal sealed class ScorerLease(ModelScorer scorer, bool owned)
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _references = 1;

    public ModelScorer Scorer => scorer;

    /// <summary>Completes once the lease is retired and every borrower has returned it.</summary>
    public Task Drained => _drained.Task;

    /// <summary>False once the count reached zero: the lease was retired and drained, read the current one again.</summary>
    public bool TryBorrow()
    {
        var seen = Volatile.Read(ref _references);
        while (seen > 0)
        {
            var before = Interlocked.CompareExchange(ref _references, seen + 1, seen);
            if (before == seen)
                return true;
            seen = before;
        }
        return false;
    }

    /// <summary>Return a borrowed reference, or (once, by the server) the lease's own reference when it is retired.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0)
            return;
        // The scorer given in ModelServerOptions belongs to the caller; swapped-in scorers belong to the server.
        if (owned)
            scorer.Dispose();
        _drained.TrySetResult();
    }
}
