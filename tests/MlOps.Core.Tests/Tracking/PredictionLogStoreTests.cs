using MlOps.Serving;
using MlOps.Storage.LiteDb;
using MlOps.Tests.Serving;

namespace MlOps.Tests.Tracking;

/// <summary>The prediction log in a real LiteDB file: values, timestamp order, filters and windows, paging, counts.</summary>
public sealed class PredictionLogStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlops-predictions-").FullName;
    private readonly LiteDbRunStore _store;

    public PredictionLogStoreTests() => _store = LiteDbRunStore.Open(_directory);

    public void Dispose()
    {
        _store.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private static readonly DateTime T0 = new(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc);

    private static LoggedPrediction At(int second, int version = 1, string source = "serve", string model = "rankings") =>
        new(model, version, T0.AddSeconds(second), source,
            new Dictionary<string, object?> { ["publications"] = 12.5, ["country"] = "USA", ["patents"] = null, ["flag"] = true },
            second % 2 == 0 ? "true" : "false", Score: second, Probability: second / 100.0);

    [Fact]
    public void Records_round_trip_with_their_values_in_timestamp_order()
    {
        _store.AppendPredictions([At(5), At(1), At(3, source: "batch")]);
        _store.AppendPredictions([At(2, version: 2), At(4), At(0, model: "rankings-2")]);

        var all = _store.ReadPredictions("rankings").ToList();
        Assert.Equal([1, 2, 3, 4, 5], all.Select(p => (int)p.Score!.Value));
        var first = all[0];
        Assert.Equal(("rankings", 1, "serve", "false", 0.01), (first.Model, first.Version, first.Source, first.Label, first.Probability));
        Assert.Equal(T0.AddSeconds(1), first.Timestamp);
        Assert.Equal(DateTimeKind.Utc, first.Timestamp.Kind);
        Assert.Equal(["publications", "country", "patents", "flag"], first.Inputs.Keys);
        Assert.Equal([12.5, "USA", null, true], first.Inputs.Values);

        Assert.Equal([2], _store.ReadPredictions("rankings", version: 2).Select(p => (int)p.Score!.Value));
        Assert.Equal([3], _store.ReadPredictions("rankings", source: "batch").Select(p => (int)p.Score!.Value));
        Assert.Equal([2, 3], _store.ReadPredictions("rankings", from: T0.AddSeconds(2), to: T0.AddSeconds(4)).Select(p => (int)p.Score!.Value));
        Assert.Equal([0], _store.ReadPredictions("rankings-2").Select(p => (int)p.Score!.Value));
        Assert.Equal(5, _store.CountPredictions("rankings"));
        Assert.Equal(4, _store.CountPredictions("rankings", version: 1));
        Assert.Equal(1, _store.CountPredictions("rankings", source: "batch"));
        Assert.Equal(0, _store.CountPredictions("nothing"));
    }

    [Fact]
    public void Reads_stream_across_pages_and_survive_a_reopen()
    {
        // More than one page (1,000), many with the same timestamp: the sequence keeps them apart and in order.
        _store.AppendPredictions(Enumerable.Range(0, 2_500).Select(i => At(i / 10) with { Score = i }).ToList());
        using (var again = LiteDbRunStore.Open(_directory))
        {
            var read = again.ReadPredictions("rankings").Select(p => (int)p.Score!.Value).ToList();
            Assert.Equal(Enumerable.Range(0, 2_500), read);
            Assert.Equal(2_500, again.CountPredictions("rankings", 1));
        }
    }

    [Fact]
    public async Task The_logger_writes_through_the_real_store()
    {
        await using (var logger = new PredictionLogger(_store))
            for (var i = 0; i < 30; i++)
            {
                var (input, predictions) = PredictionLoggerTests.Request(100, i * 100);
                logger.Log(PredictionLoggerTests.Version, input, predictions, "serve");
            }
        Assert.Equal(3_000, _store.CountPredictions("rankings", 3, "serve"));
        var read = _store.ReadPredictions("rankings", 3).ToList();
        Assert.Equal(Enumerable.Range(0, 3_000).Select(i => (double)i), read.Select(p => (double)p.Inputs["publications"]!).Order());
        Assert.All(read, p => Assert.Null(p.Inputs["patents"]));
    }
}
