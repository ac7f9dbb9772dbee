using System.Collections.Concurrent;
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

    /// <summary>
    /// Records waiting to be written at most; beyond that new records are dropped (and counted), never waited for.
    /// Null: 1,000,000 when the store packs records as they are logged (a few dozen bytes each: two seconds of a
    /// busy server's rows, so a writer held up by a slow disk flush catches up instead of dropping), else 100,000
    /// (queued requests keep their objects, a few hundred bytes a record).
    /// </summary>
    public int? Capacity { get; init; }

    /// <summary>
    /// Records per store write at most (one transaction each). A server logging every row writes hundreds of thousands
    /// a second: each transaction's fixed cost (commit, counters, file writes, disk flushes) is spread over many of
    /// them. Null: 50,000 when the store packs records, else 10,000.
    /// </summary>
    public int? BatchSize { get; init; }

    /// <summary>
    /// How long records wait before they are written anyway. Null: 100 ms when the store packs records, else 25 ms.
    /// Queued requests are live objects, and at 200 ms a busy server's queue outlived young collections (measured:
    /// gen1 pauses of ~4 ms, p99 12.7 ms at 65k logged requests/s); at 25 ms they mostly die young. Packs are plain
    /// byte arrays, cheap to keep longer, and there each write's two disk flushes were most of the writer's cost:
    /// at 100 ms its CPU fell from 0.9-1.3 to 0.35-0.45 us a ten-row request (server at ~50k requests/s).
    /// </summary>
    public TimeSpan? FlushInterval { get; init; }

    /// <summary>Retries of a failed write (the store may be locked by another process for a while), with doubling delays.</summary>
    public int MaxRetries { get; init; } = 3;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// The prediction log's writer: <see cref="Log"/> samples rows and, without blocking or doing I/O, either packs them
/// at once into the store's own format when the store is an <see cref="IPredictionPackStore"/> (one packer per
/// stripe of threads, under the stripe's lock), or queues the request (one entry for all its rows). At most
/// <see cref="PredictionLoggerOptions.Capacity"/> records wait; the rows beyond are dropped and counted in
/// <see cref="Dropped"/>. One background thread stores finished packs every <see cref="PredictionLoggerOptions.FlushInterval"/>,
/// or writes batches of requests through <see cref="IPredictionRequestStore.AppendRequests"/> when the store has it, else as
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
    private readonly int _capacity, _batchSize;
    private readonly TimeSpan _flushInterval;

    // Packing stores only: a packer per stripe of threads (a thread always packs into the same one, so its lock is
    // rarely contended), the packs sealed when full, and the writer's wake-up on dispose.
    private readonly IPredictionPackStore? _packStore;
    private readonly IPredictionPacker[] _stripes = [];
    private readonly ConcurrentQueue<PredictionPack> _sealed = new();
    private readonly ManualResetEventSlim _closing = new();
    private volatile bool _closed;


    public PredictionLogger(IPredictionLogStore store, PredictionLoggerOptions? options = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? new PredictionLoggerOptions();
        if (_options.SampleRate is < 0 or > 1 || double.IsNaN(_options.SampleRate))
            throw new MlOpsException($"The log sample rate must be between 0 and 1 (a share of rows), not {_options.SampleRate.ToString(CultureInfo.InvariantCulture)}.");
        if (_options.Capacity < 1 || _options.BatchSize < 1 || _options.FlushInterval <= TimeSpan.Zero)
            throw new MlOpsException("The prediction log's capacity and batch size must be at least 1, and its flush interval longer than zero.");
        _seeded = _options.Seed is { } seed ? new Random(seed) : null;
        if (store is IPredictionPackStore packs)
        {
            _packStore = packs;
            _stripes = Enumerable.Range(0, Math.Max(4, 2 * Environment.ProcessorCount)).Select(_ => packs.NewPacker()).ToArray();
        }
        _capacity = _options.Capacity ?? (_packStore is not null ? 1_000_000 : 100_000);
        _batchSize = _options.BatchSize ?? (_packStore is not null ? 50_000 : 10_000);
        _flushInterval = _options.FlushInterval ?? TimeSpan.FromMilliseconds(_packStore is not null ? 100 : 25);
        // Unbounded as a channel: _pending bounds it in records, which a channel of entries cannot count.
        _queue = Channel.CreateUnbounded<LoggedRequest>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        // Its own thread, not the pool's: a store write blocks for milliseconds, and on a small machine the pool has
        // as few threads as cores, so a pool thread held by the log would be taken from the requests.
        new Thread(() =>
        {
            try
            {
                if (_packStore is not null)
                    PackLoop();
                else
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
        var taken = admitted == rows ? sampled : sampled.Take(admitted).ToArray();
        if (admitted > 0 && !(_packStore is not null
                ? Pack(version, source, input, predictions, taken)
                : _queue.Writer.TryWrite(new LoggedRequest(version.Model, version.Version, _options.Clock.GetUtcNow().UtcDateTime, source, input, predictions, taken))))
        {
            Interlocked.Add(ref _pending, -admitted); // disposed: nothing takes records any more
            admitted = 0;
        }
        Interlocked.Add(ref _queued, admitted);
        if (admitted < rows)
            Interlocked.Add(ref _dropped, rows - admitted);
    }

    /// <summary>Pack the rows into the calling thread's stripe (sealing its pack when the rows do not fit); false once disposed.</summary>
    private bool Pack(ModelVersion version, string source, ScoringInput input, IReadOnlyList<Prediction> predictions, IReadOnlyList<int> rows)
    {
        var packer = _stripes[(uint)Environment.CurrentManagedThreadId % (uint)_stripes.Length];
        lock (packer)
        {
            if (_closed)
                return false; // the writer's last sweep may have passed this stripe
            // The time is read under the lock: a pack's records are then in time order, as a store's segment needs.
            var request = new LoggedRequest(version.Model, version.Version, _options.Clock.GetUtcNow().UtcDateTime, source, input, predictions, rows);
            for (var done = 0; done < rows.Count;)
            {
                var taken = packer.Add(request, done);
                if (taken == 0 && packer.Rows == 0)
                    throw new InvalidOperationException($"{packer.GetType().Name} took no row into an empty pack.");
                if (taken == 0)
                    _sealed.Enqueue(packer.Seal());
                done += taken;
            }
        }
        return true;
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
            var room = Math.Min(rows, _capacity - pending);
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
        // Packs are stored at the writer's next sweep, within a flush interval.
        while (Written + Failed < target && !_writer.IsCompleted)
            await Task.Delay(5, cancellation).ConfigureAwait(false);
    }

    /// <summary>Stop taking records, write everything queued, end the writer.</summary>
    public async ValueTask DisposeAsync()
    {
        _closed = true;
        _closing.Set();
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
            var deadline = DateTime.UtcNow + _flushInterval;
            while (records < _batchSize)
            {
                if (entry is null && reader.TryRead(out entry))
                    taken = 0;
                if (entry is not null)
                {
                    var take = Math.Min(entry.Rows.Count - taken, _batchSize - records);
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

    /// <summary>
    /// Packing stores: every flush interval, take the packs sealed since the last sweep and seal the stripes' open
    /// ones, then store them in transactions of up to <see cref="PredictionLoggerOptions.BatchSize"/> rows. The sweep
    /// after dispose takes each stripe's lock once more, so a <see cref="Log"/> that packed before it is stored.
    /// </summary>
    private void PackLoop()
    {
        var packs = new List<PredictionPack>();
        while (true)
        {
            var last = _closing.Wait(_flushInterval);
            while (_sealed.TryDequeue(out var pack))
                packs.Add(pack);
            foreach (var packer in _stripes)
                lock (packer)
                    if (packer.Rows > 0)
                        packs.Add(packer.Seal());
            while (_sealed.TryDequeue(out var pack))
                packs.Add(pack); // sealed by a Log while this sweep ran
            for (var first = 0; first < packs.Count;)
            {
                var (end, records) = (first, 0);
                while (end < packs.Count && (end == first || records + packs[end].Rows <= _batchSize))
                    records += packs[end++].Rows;
                var batch = packs.GetRange(first, end - first);
                Interlocked.Add(ref _pending, -records);
                Write(records, () => _packStore!.AppendPacks(batch));
                first = end;
            }
            packs.Clear();
            if (last)
                return;
        }
    }

    private static bool Wait(ValueTask<bool> ready) => ready.IsCompletedSuccessfully ? ready.Result : ready.AsTask().GetAwaiter().GetResult();

    private void Write(List<LoggedRequest> batch, int records) =>
        Write(records, () =>
        {
            // A store that takes requests whole is spared a record object and boxed cells per row.
            if (_store is IPredictionRequestStore requests)
                requests.AppendRequests(batch);
            else
                _store.AppendPredictions(batch.SelectMany(r => r.Records()).ToList());
        });

    /// <summary>One store write of <paramref name="records"/> records, retried with doubling delays, then counted as written or failed.</summary>
    private void Write(int records, Action write)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                write();
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
