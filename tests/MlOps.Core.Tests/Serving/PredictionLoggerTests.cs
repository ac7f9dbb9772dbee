using System.Collections.Concurrent;
using System.Diagnostics;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Tests.Serving;

public sealed class PredictionLoggerTests
{
    internal static readonly ModelVersion Version = new()
    {
        Model = "rankings", Version = 3, RunId = "run", Artifact = new ArtifactRef(new string('a', 64), 1, "model"),
    };

    /// <summary>Requests of <paramref name="rows"/> rows with a number, a text and a missing cell.</summary>
    internal static (ScoringInput Input, Prediction[] Predictions) Request(int rows, int first = 0)
    {
        var input = new ScoringInput(["publications", "country", "patents"],
            Enumerable.Range(first, rows).Select(i => new object?[] { (double)i, "USA", null }).ToList());
        return (input, Enumerable.Range(first, rows).Select(i => new Prediction(i % 2 == 0, Score: i, Probability: 0.5)).ToArray());
    }

    /// <summary>Keeps every batch; optionally blocks each write on a gate or fails the first writes.</summary>
    private sealed class MemoryStore(ManualResetEventSlim? gate = null, int failFirst = 0) : IPredictionLogStore
    {
        private int _calls;

        public ConcurrentQueue<LoggedPrediction> Records { get; } = new();

        public int Writes => _calls;

        public void AppendPredictions(IReadOnlyList<LoggedPrediction> batch)
        {
            gate?.Wait();
            if (Interlocked.Increment(ref _calls) <= failFirst)
                throw new IOException("store locked");
            foreach (var p in batch)
                Records.Enqueue(p);
        }

        public IEnumerable<LoggedPrediction> ReadPredictions(string model, int? version = null, string? source = null, DateTime? from = null, DateTime? to = null) => Records;

        public long CountPredictions(string model, int? version = null, string? source = null) => Records.Count;
    }

    /// <summary>50,000 records, 10-row requests from 8 threads at once, then the logger disposed (everything written or counted).</summary>
    private static async Task<PredictionLogger> LogFrom8Threads(IPredictionLogStore store)
    {
        var logger = new PredictionLogger(store, new PredictionLoggerOptions { BatchSize = 500 });
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            for (var i = 0; i < 625; i++)
            {
                var (input, predictions) = Request(10, (t * 625 + i) * 10);
                logger.Log(Version, input, predictions, "serve");
            }
        });
        await logger.DisposeAsync();
        return logger;
    }

    /// <summary>Log requests from this thread; they must not wait for the store, whatever it does.</summary>
    private static void LogWithoutBlocking(PredictionLogger logger, int requests, int rows)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < requests; i++)
        {
            var (input, predictions) = Request(rows, i * rows);
            logger.Log(Version, input, predictions, "serve");
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"Log blocked for {watch.Elapsed}");
    }

    [Fact]
    public async Task Nothing_is_lost_on_dispose_with_50000_records_logged_from_8_threads()
    {
        var store = new MemoryStore();
        var logger = await LogFrom8Threads(store);
        Assert.Equal(50_000, logger.Logged);
        Assert.Equal(50_000, logger.Written);
        Assert.Equal(0, logger.Dropped + logger.Failed);
        Assert.Equal(50_000, store.Records.Count);
        Assert.Equal(50_000, store.Records.Select(r => (double)r.Inputs["publications"]!).Distinct().Count());
        var one = store.Records.First();
        Assert.Equal(("rankings", 3, "serve", "USA", null), (one.Model, one.Version, one.Source, one.Inputs["country"], one.Inputs["patents"]));
        Assert.Equal(one.Score!.Value % 2 == 0 ? "true" : "false", one.Label);
    }

    [Fact]
    public async Task Sampling_a_tenth_logs_about_a_tenth_of_the_rows_and_the_same_rows_for_the_same_seed()
    {
        async Task<double[]> Sampled(int seed)
        {
            var store = new MemoryStore();
            await using (var logger = new PredictionLogger(store, new PredictionLoggerOptions { SampleRate = 0.1, Seed = seed }))
                for (var i = 0; i < 200; i++)
                {
                    var (input, predictions) = Request(100, i * 100);
                    logger.Log(Version, input, predictions, "serve");
                }
            return store.Records.Select(r => (double)r.Inputs["publications"]!).Order().ToArray();
        }
        var first = await Sampled(7);
        Assert.InRange(first.Length, 1_800, 2_200); // 10% of 20,000 rows, ±10%
        Assert.Equal(first, await Sampled(7));
        Assert.NotEqual(first, await Sampled(8));
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_without_blocking_the_caller()
    {
        using var gate = new ManualResetEventSlim(false);
        var store = new MemoryStore(gate);
        // Queue full, and one batch held by the blocked writer.
        await LogIntoAFullLog(store, gate, new PredictionLoggerOptions { Capacity = 100, BatchSize = 10 }, leastDropped: 1_000 - 100 - 10, () => store.Records.Count);
    }

    /// <summary>
    /// 1,000 rows logged while the store's writes wait on <paramref name="gate"/> (a log of 100 rows): some dropped,
    /// at least <paramref name="leastDropped"/>, none waited for; once the gate opens, every other row is stored.
    /// </summary>
    private static async Task LogIntoAFullLog(IPredictionLogStore store, ManualResetEventSlim gate, PredictionLoggerOptions options, long leastDropped, Func<int> stored)
    {
        var logger = new PredictionLogger(store, options);
        LogWithoutBlocking(logger, requests: 100, rows: 10);
        Assert.Equal(1_000, logger.Logged);
        Assert.InRange(logger.Dropped, leastDropped, 1_000 - 100);
        gate.Set();
        await logger.DisposeAsync();
        Assert.Equal(logger.Logged, logger.Written + logger.Dropped);
        Assert.Equal(logger.Written, stored());
    }

    [Fact]
    public async Task A_failed_write_is_retried_and_one_that_keeps_failing_is_counted()
    {
        var flaky = new MemoryStore(failFirst: 2);
        await using (var logger = new PredictionLogger(flaky, new PredictionLoggerOptions { RetryDelay = TimeSpan.FromMilliseconds(1) }))
        {
            var (input, predictions) = Request(5);
            logger.Log(Version, input, predictions, "serve");
            await logger.FlushAsync();
            Assert.Equal((5, 0), (logger.Written, logger.Failed));
        }
        var broken = new MemoryStore(failFirst: int.MaxValue);
        var failing = new PredictionLogger(broken, new PredictionLoggerOptions { RetryDelay = TimeSpan.FromMilliseconds(1), MaxRetries = 2 });
        var (rows, answers) = Request(5);
        failing.Log(Version, rows, answers, "serve");
        await failing.DisposeAsync();
        Assert.Equal((0, 5), (failing.Written, failing.Failed));
        Assert.IsType<IOException>(failing.LastError);
    }

    /// <summary>
    /// A store that packs on the logging thread (as LiteDB's does): packs of at most 64 records; optionally blocks
    /// each write on a gate. Records never come any other way.
    /// </summary>
    private sealed class PackingStore(ManualResetEventSlim? gate = null) : IPredictionPackStore
    {
        private int _packs, _writes;

        public ConcurrentQueue<LoggedPrediction> Records { get; } = new();

        public int Packs => _packs;

        public int Writes => _writes;

        public IPredictionPacker NewPacker() => new Packer();

        public void AppendPacks(IReadOnlyList<PredictionPack> packs)
        {
            gate?.Wait();
            Interlocked.Increment(ref _writes);
            foreach (var pack in packs.Cast<Pack>())
                foreach (var record in pack.Records)
                    Records.Enqueue(record);
            Interlocked.Add(ref _packs, packs.Count);
        }

        public void AppendPredictions(IReadOnlyList<LoggedPrediction> batch) => throw new InvalidOperationException("records of a packing store come in packs");

        public IEnumerable<LoggedPrediction> ReadPredictions(string model, int? version = null, string? source = null, DateTime? from = null, DateTime? to = null) => Records;

        public long CountPredictions(string model, int? version = null, string? source = null) => Records.Count;

        private sealed class Pack(List<LoggedPrediction> records) : PredictionPack
        {
            public List<LoggedPrediction> Records => records;

            public override int Rows => records.Count;
        }

        private sealed class Packer : IPredictionPacker
        {
            private List<LoggedPrediction> _open = [];

            public int Rows => _open.Count;

            public int Add(LoggedRequest request, int from)
            {
                var taken = Math.Min(64 - _open.Count, request.Rows.Count - from);
                _open.AddRange(request.Records().Skip(from).Take(taken));
                return taken;
            }

            public PredictionPack Seal()
            {
                var pack = new Pack(_open);
                _open = [];
                return pack;
            }
        }
    }

    [Fact]
    public async Task A_packing_store_gets_every_record_logged_from_8_threads_in_packs()
    {
        var store = new PackingStore();
        var logger = await LogFrom8Threads(store);
        Assert.Equal((50_000, 50_000, 0L, 0L), (logger.Logged, logger.Written, logger.Dropped, logger.Failed));
        Assert.Equal(Enumerable.Range(0, 50_000).Select(i => (double)i), store.Records.Select(r => (double)r.Inputs["publications"]!).Order());
        Assert.All(store.Records, r => Assert.Equal(((double)r.Inputs["publications"]! % 2 == 0 ? "true" : "false", "USA"), (r.Label, r.Inputs["country"])));
        Assert.InRange(store.Packs, 50_000 / 64, 50_000);
        // Logging after dispose drops and counts: the writer has gone.
        var (late, answers) = Request(3);
        logger.Log(Version, late, answers, "serve");
        Assert.Equal((50_003, 3L), (logger.Logged, logger.Dropped));
    }

    [Fact]
    public async Task A_full_log_of_a_packing_store_drops_and_counts_without_blocking_the_caller()
    {
        using var gate = new ManualResetEventSlim(false);
        var store = new PackingStore(gate);
        // 100 rows wait; a sweep of the writer may have taken 100 before its write blocked, making room for 100 more.
        await LogIntoAFullLog(store, gate, new PredictionLoggerOptions { Capacity = 100 }, leastDropped: 1_000 - 200, () => store.Records.Count);
    }

    [Fact]
    public async Task By_default_a_packing_store_holds_ten_times_the_rows_a_queue_of_requests_holds_while_its_writer_is_held_up()
    {
        // 150,000 rows logged while every write waits: over the queue's 100,000, under the packs' 1,000,000.
        async Task<long> Dropped(Func<ManualResetEventSlim, IPredictionLogStore> store)
        {
            using var gate = new ManualResetEventSlim(false);
            var logger = new PredictionLogger(store(gate));
            LogWithoutBlocking(logger, requests: 150, rows: 1_000);
            var dropped = logger.Dropped;
            gate.Set();
            await logger.DisposeAsync();
            Assert.Equal(150_000, logger.Written + logger.Dropped);
            return dropped;
        }
        Assert.Equal(0, await Dropped(gate => new PackingStore(gate)));
        // A batch (10,000 rows) taken before the write blocked makes room for as many more.
        Assert.InRange(await Dropped(gate => new MemoryStore(gate)), 150_000 - 100_000 - 10_000, 150_000 - 100_000);
    }

    [Fact]
    public async Task By_default_a_packing_store_is_written_in_transactions_five_times_larger_than_a_queues()
    {
        // 150,000 rows logged while the first write waits, then written: in batches of 50,000 rows against 10,000.
        async Task<(int Writes, long Written)> Writes<TStore>(Func<ManualResetEventSlim, TStore> open, Func<TStore, int> writes) where TStore : IPredictionLogStore
        {
            using var gate = new ManualResetEventSlim(false);
            var store = open(gate);
            var logger = new PredictionLogger(store);
            LogWithoutBlocking(logger, requests: 150, rows: 1_000);
            gate.Set();
            await logger.DisposeAsync();
            return (writes(store), logger.Written);
        }
        var (packWrites, packRows) = await Writes(gate => new PackingStore(gate), s => s.Writes);
        Assert.Equal(150_000, packRows);
        Assert.InRange(packWrites, 3, 5); // a sweep before the rows came may add a write or two of fewer rows
        var (queueWrites, queueRows) = await Writes(gate => new MemoryStore(gate), s => s.Writes);
        Assert.InRange(queueWrites, (int)(queueRows / 10_000), (int)(queueRows / 10_000) + 2);
    }

    [Fact]
    public void A_sample_rate_outside_0_to_1_is_refused()
    {
        Assert.Throws<MlOpsException>(() => new PredictionLogger(new MemoryStore(), new PredictionLoggerOptions { SampleRate = 1.5 }));
    }

    [Fact]
    public void A_batch_size_below_1_or_a_flush_interval_of_zero_is_refused()
    {
        Assert.Throws<MlOpsException>(() => new PredictionLogger(new MemoryStore(), new PredictionLoggerOptions { BatchSize = 0 }));
        Assert.Throws<MlOpsException>(() => new PredictionLogger(new PackingStore(), new PredictionLoggerOptions { FlushInterval = TimeSpan.Zero }));
    }
}
