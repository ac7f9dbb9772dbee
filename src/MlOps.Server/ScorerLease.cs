using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Primitives;
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
    private SplitColumns? _columns;

    public ModelScorer Scorer => scorer;

    /// <summary>The signature's column names, for the general request parser.</summary>
    public IReadOnlyList<string> SignatureNames { get; } = scorer.Signature.Select(c => c.Name).ToList();

    /// <summary>The X-Model-Version header's value, made once.</summary>
    public StringValues VersionHeader { get; } = scorer.Version.Version.ToString(CultureInfo.InvariantCulture);

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

    /// <summary>
    /// Where each column of a dataframe_split "columns" array (its raw JSON text) is in the signature, when the
    /// columns are exactly the signature's in some order; null otherwise (a bad header, or extra columns, whose cells
    /// the general reader keeps). Clients send the same header again and again: the last one is remembered.
    /// </summary>
    public SplitColumns? Columns(ReadOnlySpan<byte> raw)
    {
        var known = Volatile.Read(ref _columns);
        if (known is not null && raw.SequenceEqual(known.Raw))
            return known;
        var names = new List<string>();
        var reader = new Utf8JsonReader(raw);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.String)
            names.Add(reader.GetString()!);
        if (reader.TokenType != JsonTokenType.EndArray || names.Count != scorer.Signature.Count)
            return null;
        int[] binding;
        try
        {
            binding = scorer.Bind(names);
        }
        catch (ScoringInputException)
        {
            return null; // the general reader reports it
        }
        var positions = new int[names.Count];
        for (var c = 0; c < binding.Length; c++)
            positions[binding[c]] = c;
        var made = new SplitColumns(raw.ToArray(), names, positions, positions.Select(at => scorer.Signature[at].Type == "number").ToArray());
        Volatile.Write(ref _columns, made);
        return made;
    }
}

/// <summary>A dataframe_split header as sent (<see cref="Raw"/>, <see cref="Names"/>), and per column its signature position and whether it is a number.</summary>
internal sealed record SplitColumns(byte[] Raw, IReadOnlyList<string> Names, int[] Positions, bool[] IsNumber);
