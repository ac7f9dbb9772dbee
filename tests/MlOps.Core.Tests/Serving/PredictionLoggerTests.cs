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

    [Fact]
    public async Task Nothing_is_lost_on_dispose_with_50000_records_logged_from_8_threads()
    {
        var store = new MemoryStore();
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
        var logger = new PredictionLogger(store, new PredictionLoggerOptions { Capacity = 100, BatchSize = 10 });
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
        {
            var (input, predictions) = Request(10, i * 10);
            logger.Log(Version, input, predictions, "serve");
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"Log blocked for {watch.Elapsed}");
        Assert.Equal(1_000, logger.Logged);
        Assert.InRange(logger.Dropped, 1_000 - 100 - 10, 1_000 - 100); // queue full, one batch held by the blocked writer
        gate.Set();
        await logger.DisposeAsync();
        Assert.Equal(logger.Logged, logger.Written + logger.Dropped);
        Assert.Equal(logger.Written, store.Records.Count);
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

    [Fact]
    public void A_sample_rate_outside_0_to_1_is_refused()
    {
        Assert.Throws<MlOpsException>(() => new PredictionLogger(new MemoryStore(), new PredictionLoggerOptions { SampleRate = 1.5 }));
    }
}
