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

    /// <summary>
    /// Records per store write at most (one transaction each). A server logging every row writes hundreds of thousands
    /// a second: each transaction's fixed cost (commit, counters, file writes) is spread over many of them.
    /// </summary>
    public int BatchSize { get; init; } = 10_000;

    /// <summary>
    /// How long a partial batch waits for more records before it is written anyway. Short on purpose: queued requests
    /// are live objects, and at 200 ms a busy server's queue outlived young collections (measured: gen1 pauses of
    /// ~4 ms, p99 12.7 ms at 65k logged requests/s); at 25 ms they mostly die young and the extra commits cost little.
    /// </summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>Retries of a failed write (the store may be locked by another process for a while), with doubling delays.</summary>
    public int MaxRetries { get; init; } = 3;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// The prediction log's writer: <see cref="Log"/> samples rows and queues the request (one entry for all its rows)
/// without blocking or doing I/O; the queue holds at most <see cref="PredictionLoggerOptions.Capacity"/> records and
/// the rows beyond are dropped and counted in <see cref="Dropped"/>. One background thread writes batches of requests
/// through <see cref="IPredictionRequestStore.AppendRequests"/> when the store has it, else as
/// <see cref="LoggedPrediction"/> records through <see cref="IPredictionLogStore.AppendPredictions"/> (made there, off
/// the request path), retrying failed writes.
/// <see cref="FlushAsync"/> and <see cref="DisposeAsync"/> write everything queued, so an orderly shutdown loses
/// nothing. Counters: Logged (sampled and queued or dropped) = Written + Dropped + Failed + still queued.
/// The logger keeps the inputs and predictions it is given until they are written: callers must not change them after <see cref="Log"/>.
/// </summary>
public sealed class PredictionLogger : IPredictionSink, IAsyncDisposable
{
    private readonly IPredictionLogStore _store;
    private readonly PredictionLoggerOptions _options;
    private readonly Channel<LoggedRequest> _queue;
    private readonly Random? _seeded;
    private readonly Task _writer;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _logged, _written, _dropped, _failed, _queued, _pending;


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
        _queue = Channel.CreateUnbounded<LoggedRequest>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        // Its own thread, not the pool's: a store write blocks for milliseconds, and on a small machine the pool has
        // as few threads as cores, so a pool thread held by the log would be taken from the requests.
        new Thread(() =>
        {
            try
            {
                WriteLoop();
                _finished.TrySetResult();
            }
            catch (Exception e)
            {
                _finished.TrySetException(e);
            }
        }) { IsBackground = true, Name = "Prediction log writer" }.Start();
        _writer = _finished.Task;
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
        IReadOnlyList<int> sampled;
        if (rate < 1)
        {
            var kept = new List<int>();
            for (var r = 0; r < rows; r++)
                if (Draw() < rate)
                    kept.Add(r);
            (sampled, rows) = (kept, kept.Count);
        }
        else
            sampled = AllRows(rows);
        if (rows == 0)
            return;
        Interlocked.Add(ref _logged, rows);
        var admitted = Reserve(rows);
        if (admitted > 0 && !_queue.Writer.TryWrite(new LoggedRequest(version.Model, version.Version, timestamp, source, input, predictions,
                admitted == rows ? sampled : sampled.Take(admitted).ToArray())))
        {
            Interlocked.Add(ref _pending, -admitted); // disposed: nothing takes records any more
            admitted = 0;
        }
        Interlocked.Add(ref _queued, admitted);
        if (admitted < rows)
            Interlocked.Add(ref _dropped, rows - admitted);
    }

    // Rows 0..n-1 of requests of up to 64 rows: shared (nobody writes them), so logging such a request allocates one object.
    private static readonly int[][] Prefixes = Enumerable.Range(0, 65).Select(n => Enumerable.Range(0, n).ToArray()).ToArray();

    private static int[] AllRows(int rows) => rows < Prefixes.Length ? Prefixes[rows] : Enumerable.Range(0, rows).ToArray();

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

    /// <summary>Stop taking records, write everything queued, end the writer.</summary>
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

    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(20);

    private void WriteLoop()
    {
        var reader = _queue.Reader;
        LoggedRequest? entry = null; // the request being taken, possibly over several batches
        var taken = 0;
        // Reused: a batch of 10,000 one-row requests would be a large object each time (a full collection every few).
        var batch = new List<LoggedRequest>();
        while (entry is not null || Wait(reader.WaitToReadAsync()))
        {
            var records = 0;
            var deadline = DateTime.UtcNow + _options.FlushInterval;
            while (records < _options.BatchSize)
            {
                if (entry is null && reader.TryRead(out entry))
                    taken = 0;
                if (entry is not null)
                {
                    var take = Math.Min(entry.Rows.Count - taken, _options.BatchSize - records);
                    // A request larger than the room left in the batch goes in pieces.
                    batch.Add(take == entry.Rows.Count ? entry : entry with { Rows = entry.Rows.Skip(taken).Take(take).ToArray() });
                    Interlocked.Add(ref _pending, -take);
                    (records, taken) = (records + take, taken + take);
                    if (taken == entry.Rows.Count)
                        entry = null;
                    continue;
                }
                var remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero || reader.Completion.IsCompleted)
                    break;
                // A partial batch waits a little for company (fewer, larger transactions), sleeping in slices rather
                // than waking for each request: a busy server's writer wakes a few dozen times a second, not thousands.
                Thread.Sleep(remaining < Slice ? remaining : Slice);
            }
            if (records > 0)
                Write(batch, records);
            batch.Clear(); // the requests are not kept until the next batch
        }
    }

    private static bool Wait(ValueTask<bool> ready) => ready.IsCompletedSuccessfully ? ready.Result : ready.AsTask().GetAwaiter().GetResult();

    private void Write(List<LoggedRequest> batch, int records)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // A store that takes requests whole is spared a record object and boxed cells per row.
                if (_store is IPredictionRequestStore requests)
                    requests.AppendRequests(batch);
                else
                    _store.AppendPredictions(batch.SelectMany(r => r.Records()).ToList());
                Interlocked.Add(ref _written, records);
                return;
            }
            catch (Exception e) when (attempt < _options.MaxRetries)
            {
                LastError = e;
                Thread.Sleep(_options.RetryDelay * Math.Pow(2, attempt));
            }
            catch (Exception e)
            {
                LastError = e;
                Interlocked.Add(ref _failed, records);
                return;
            }
        }
    }
}
