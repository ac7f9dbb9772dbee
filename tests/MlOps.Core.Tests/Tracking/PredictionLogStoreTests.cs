using MlOps.Serving;
using MlOps.Storage.LiteDb;
using MlOps.Tests.Serving;

namespace MlOps.Tests.Tracking;

/// <summary>The LiteDB prediction log's own layout (segments, the former per-record documents, typed requests); what every backend does is in RunStoreContract.Predictions.</summary>
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
}
