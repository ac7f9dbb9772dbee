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
    public void A_window_finds_records_inside_segments_that_start_before_it_and_cells_keep_their_values()
    {
        // One batch over five minutes: several segments, the window starting and ending inside them.
        _store.AppendPredictions(Enumerable.Range(0, 300).Select(i => At(i) with { Score = i }).ToList());
        Assert.Equal(Enumerable.Range(90, 100), _store.ReadPredictions("rankings", from: T0.AddSeconds(90), to: T0.AddSeconds(190)).Select(p => (int)p.Score!.Value));
        Assert.Equal(300, _store.CountPredictions("rankings", 1, "serve"));

        var cells = new object?[] { 3.0, -7.0, 12.5, 0.1, -0.0, 1e300, double.NaN, 9007199254740993.0, "Zürich \u001f", false, null };
        var names = cells.Select((_, i) => "c" + i).ToList();
        _store.AppendPredictions([new LoggedPrediction("cells", 2, T0, "batch", names.Zip(cells).ToDictionary(x => x.First, x => x.Second), "a label", 0.1, 0.75f)]);
        var read = _store.ReadPredictions("cells").Single();
        Assert.Equal(cells, read.Inputs.Values);
        Assert.True(double.IsNegative((double)read.Inputs["c4"]!));
        Assert.Equal(("a label", 0.1, (double)0.75f), (read.Label, read.Score, read.Probability));
    }

    [Fact]
    public void Records_of_a_store_written_before_segments_are_read_and_counted_beside_new_ones()
    {
        _store.AppendPredictions([At(2), At(4, source: "batch")]);
        _store.Dispose();
        // The former layout: one document per record, keyed by timestamp ticks and sequence, the column set by id.
        using (var db = new LiteDB.LiteDatabase($"Filename={Path.Combine(_directory, "mlops.db")};Collation=en-US/Ordinal"))
        {
            var columns = db.GetCollection("prediction_columns").FindAll().Single()["_id"].AsInt32;
            foreach (var (second, sequence) in new[] { (1, 100), (3, 101), (5, 102) })
                db.GetCollection("predictions").Insert(new LiteDB.BsonDocument
                {
                    ["_id"] = T0.AddSeconds(second).Ticks.ToString("D19") + sequence.ToString("x8"), ["k"] = "rankings/1", ["s"] = "serve", ["c"] = columns,
                    ["x"] = new LiteDB.BsonArray(new LiteDB.BsonValue[] { 12.5, "USA", LiteDB.BsonValue.Null, true }), ["l"] = "false", ["sc"] = (double)second,
                });
        }
        using var again = LiteDbRunStore.Open(_directory);
        Assert.Equal([1, 2, 3, 4, 5], again.ReadPredictions("rankings").Select(p => (int)p.Score!.Value));
        Assert.Equal([3, 4], again.ReadPredictions("rankings", from: T0.AddSeconds(3), to: T0.AddSeconds(5)).Select(p => (int)p.Score!.Value));
        Assert.Equal((5, 4, 1), (again.CountPredictions("rankings"), again.CountPredictions("rankings", 1, "serve"), again.CountPredictions("rankings", source: "batch")));
        Assert.Equal([12.5, "USA", null, true], again.ReadPredictions("rankings").First().Inputs.Values);
    }

    [Fact]
    public void Requests_are_stored_as_their_records_would_be_typed_rows_included()
    {
        // Typed rows as the server reads them (a missing number is NaN there), in the client's column order.
        var signature = new List<MlOps.Tracking.SchemaColumn> { new("publications", "number"), new("country", "category") };
        var rows = new SignatureRows(signature, 2);
        foreach (var (number, text) in new[] { (12.5, "USA"), (double.NaN, (string?)null) })
        {
            (rows.NumberScratch[0], rows.TextScratch[1]) = (number, text);
            rows.Commit();
        }
        var typed = new LoggedRequest("typed", 1, T0, "serve", rows.ToScoringInput(["country", "publications"], [1, 0]),
            [new Prediction(true, 0.5, 0.25), new Prediction(false, -1.5, 0.125)], [1, 0]);
        var boxed = new LoggedRequest("boxed", 1, T0, "serve", new ScoringInput(["country", "publications"], [["USA", 12.5], [null, null]]),
            typed.Predictions, [1, 0]);
        _store.AppendRequests([typed]);
        _store.AppendPredictions(boxed.Records().ToList());
        string Text(LoggedPrediction p) => $"{p.Timestamp:O} {p.Source} {string.Join(",", p.Inputs.Select(i => $"{i.Key}={i.Value}"))} {p.Label} {p.Score} {p.Probability}";
        Assert.Equal(_store.ReadPredictions("boxed").Select(Text), _store.ReadPredictions("typed").Select(Text));
        Assert.Equal(["country=,publications=", "country=USA,publications=12.5"], _store.ReadPredictions("typed").Select(p => string.Join(",", p.Inputs.Select(i => $"{i.Key}={i.Value}"))));
        Assert.Null(_store.ReadPredictions("typed").First().Inputs["publications"]);
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
