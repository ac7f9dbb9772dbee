using System.Collections;
using System.Globalization;
using System.Threading.Channels;
using MlOps.Registry;

namespace MlOps.Serving;

public sealed record PredictionLoggerOptions
{
    /// <summary>Share of rows logged, 0..1, decided per row (a 100-row request at 0.1 logs about 10 of its rows).</summary>
    public double SampleRate { get; init; } = 1.0;

    /// <summary>
    /// Seed for the sampling draw. Set: one <see cref="Random"/> with this seed, shared under a lock, so a given
    /// sequence of calls samples the same rows every time (tests, replays). Null: <see cref="Random.Shared"/>
    /// (thread-safe, unseeded), for servers.
    /// </summary>
    public int? Seed { get; init; }

    /// <summary>Records waiting to be written at most; beyond that new records are dropped (and counted), never waited for.</summary>
    public int Capacity { get; init; } = 100_000;

    /// <summary>Records per store write at most (one transaction each).</summary>
    public int BatchSize { get; init; } = 2_000;

    /// <summary>How long a partial batch waits for more records before it is written anyway.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Retries of a failed write (the store may be locked by another process for a while), with doubling delays.</summary>
    public int MaxRetries { get; init; } = 3;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// The prediction log's writer: <see cref="Log"/> samples rows and queues the request (one entry for all its rows)
/// without blocking or doing I/O; the queue holds at most <see cref="PredictionLoggerOptions.Capacity"/> records and
/// the rows beyond are dropped and counted in <see cref="Dropped"/>. One background task turns entries into
/// <see cref="LoggedPrediction"/>s (so the request path pays for neither the records nor the input's cells) and
/// writes batches through <see cref="IPredictionLogStore.AppendPredictions"/>, retrying failed writes.
/// <see cref="FlushAsync"/> and <see cref="DisposeAsync"/> write everything queued, so an orderly shutdown loses
/// nothing. Counters: Logged (sampled and queued or dropped) = Written + Dropped + Failed + still queued.
/// The logger keeps the inputs and predictions it is given until they are written: callers must not change them after <see cref="Log"/>.
/// </summary>
public sealed class PredictionLogger : IPredictionSink, IAsyncDisposable
{
    private readonly IPredictionLogStore _store;
    private readonly PredictionLoggerOptions _options;
    private readonly Channel<Entry> _queue;
    private readonly Random? _seeded;
    private readonly Task _writer;
    private long _logged, _written, _dropped, _failed, _queued, _pending;

    /// <summary>One request's sampled rows: <see cref="Rows"/> their numbers (null: rows 0.. in order), the first <see cref="Count"/> of them kept.</summary>
    private sealed record Entry(ModelVersion Version, string Source, DateTime Timestamp, ScoringInput Input, IReadOnlyList<Prediction> Predictions, int[]? Rows, int Count);

    public PredictionLogger(IPredictionLogStore store, PredictionLoggerOptions? options = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? new PredictionLoggerOptions();
        if (_options.SampleRate is < 0 or > 1 || double.IsNaN(_options.SampleRate))
            throw new MlOpsException($"The log sample rate must be between 0 and 1 (a share of rows), not {_options.SampleRate.ToString(CultureInfo.InvariantCulture)}.");
        if (_options.Capacity < 1 || _options.BatchSize < 1)
            throw new MlOpsException("The prediction log's capacity and batch size must be at least 1.");
        _seeded = _options.Seed is { } seed ? new Random(seed) : null;
        // Unbounded as a channel: _pending bounds it in records, which a channel of entries cannot count.
        _queue = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        _writer = Task.Run(WriteLoop);
    }

    public long Logged => Interlocked.Read(ref _logged);

    public long Written => Interlocked.Read(ref _written);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Records whose write still failed after every retry.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>The last write error (after retries), for health output.</summary>
    public Exception? LastError { get; private set; }

    public void Log(ModelVersion version, ScoringInput input, IReadOnlyList<Prediction> predictions, string source)
    {
        var rate = _options.SampleRate;
        if (rate <= 0 || predictions.Count == 0)
            return;
        var timestamp = _options.Clock.GetUtcNow().UtcDateTime;
        var rows = Math.Min(predictions.Count, input.Rows.Count);
        int[]? sampled = null;
        if (rate < 1)
        {
            var kept = new List<int>();
            for (var r = 0; r < rows; r++)
                if (Draw() < rate)
                    kept.Add(r);
            (sampled, rows) = (kept.ToArray(), kept.Count);
        }
        if (rows == 0)
            return;
        Interlocked.Add(ref _logged, rows);
        var admitted = Reserve(rows);
        if (admitted > 0 && !_queue.Writer.TryWrite(new Entry(version, source, timestamp, input, predictions, sampled, admitted)))
        {
            Interlocked.Add(ref _pending, -admitted); // disposed: nothing takes records any more
            admitted = 0;
        }
        Interlocked.Add(ref _queued, admitted);
        if (admitted < rows)
            Interlocked.Add(ref _dropped, rows - admitted);
    }

    /// <summary>Room in the queue for up to <paramref name="rows"/> records: how many were taken.</summary>
    private int Reserve(int rows)
    {
        var pending = Volatile.Read(ref _pending);
        while (true)
        {
            var room = Math.Min(rows, _options.Capacity - pending);
            if (room <= 0)
                return 0;
            var seen = Interlocked.CompareExchange(ref _pending, pending + room, pending);
            if (seen == pending)
                return (int)room;
            pending = seen;
        }
    }

    /// <summary>Wait until every record queued before this call is written (or failed for good).</summary>
    public async Task FlushAsync(CancellationToken cancellation = default)
    {
        var target = Interlocked.Read(ref _queued);
        while (Written + Failed < target && !_writer.IsCompleted)
            await Task.Delay(5, cancellation).ConfigureAwait(false);
    }

    /// <summary>Stop taking records, write everything queued, end the background task.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private double Draw()
    {
        if (_seeded is null)
            return Random.Shared.NextDouble();
        lock (_seeded)
            return _seeded.NextDouble();
    }

    private static Dictionary<string, int> Index(IReadOnlyList<string> columns)
    {
        var index = new Dictionary<string, int>(columns.Count, StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++)
            index.TryAdd(columns[i], i);
        return index;
    }

    private static string LabelText(object label) => label switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => label.ToString() ?? "",
    };

    private async Task WriteLoop()
    {
        var reader = _queue.Reader;
        Entry? entry = null; // the entry being taken, possibly over several batches
        var taken = 0;
        // Requests of one client send the same column list: its name index is made once.
        (IReadOnlyList<string>? Columns, Dictionary<string, int>? Index) names = (null, null);
        while (entry is not null || await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var batch = new List<LoggedPrediction>(Math.Min(_options.BatchSize, 1024));
            var deadline = DateTime.UtcNow + _options.FlushInterval;
            while (batch.Count < _options.BatchSize)
            {
                if (entry is null && reader.TryRead(out entry))
                    taken = 0;
                if (entry is not null)
                {
                    if (!ReferenceEquals(names.Columns, entry.Input.Columns))
                        names = (entry.Input.Columns, Index(entry.Input.Columns));
                    var take = Math.Min(entry.Count - taken, _options.BatchSize - batch.Count);
                    for (var i = taken; i < taken + take; i++)
                        batch.Add(Record(entry, entry.Rows?[i] ?? i, names.Index!));
                    Interlocked.Add(ref _pending, -take);
                    taken += take;
                    if (taken == entry.Count)
                        entry = null;
                    continue;
                }
                var remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero || reader.Completion.IsCompleted)
                    break;
                // A partial batch waits a little for company: fewer, larger transactions.
                using var timeout = new CancellationTokenSource(remaining);
                try
                {
                    if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
                        break;
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            if (batch.Count > 0)
                await Write(batch).ConfigureAwait(false);
        }
    }

    private static LoggedPrediction Record(Entry entry, int row, Dictionary<string, int> index)
    {
        var p = entry.Predictions[row];
        return new LoggedPrediction(entry.Version.Model, entry.Version.Version, entry.Timestamp, entry.Source,
            new RowInputs(entry.Input.Columns, index, entry.Input.Rows[row]), LabelText(p.Label), p.Score, p.Probability);
    }

    private async Task Write(List<LoggedPrediction> batch)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _store.AppendPredictions(batch);
                Interlocked.Add(ref _written, batch.Count);
                return;
            }
            catch (Exception e) when (attempt < _options.MaxRetries)
            {
                LastError = e;
                await Task.Delay(_options.RetryDelay * Math.Pow(2, attempt)).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                LastError = e;
                Interlocked.Add(ref _failed, batch.Count);
                return;
            }
        }
    }

    /// <summary>One row's cells keyed by column name, without copying them: the row array and a name index shared by the request.</summary>
    private sealed class RowInputs(IReadOnlyList<string> columns, Dictionary<string, int> index, object?[] row) : IReadOnlyDictionary<string, object?>
    {
        public object? this[string key] => row[index[key]];

        public IEnumerable<string> Keys => columns;

        public IEnumerable<object?> Values => row;

        public int Count => columns.Count;

        public bool ContainsKey(string key) => index.ContainsKey(key);

        public bool TryGetValue(string key, out object? value)
        {
            var found = index.TryGetValue(key, out var at);
            value = found ? row[at] : null;
            return found;
        }

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < columns.Count; i++)
                yield return KeyValuePair.Create(columns[i], row[i]);
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
