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

    /// <summary>A request of typed rows as the server makes them: a number (whole or not, some missing), a category (some missing, some not ASCII), a larger number.</summary>
    private static LoggedRequest Typed(string model, DateTime at, int rows, int first = 0)
    {
        var signature = new List<MlOps.Tracking.SchemaColumn> { new("publications", "number"), new("country", "category"), new("citations", "number") };
        var typed = new SignatureRows(signature, rows);
        for (var r = first; r < first + rows; r++)
        {
            (typed.NumberScratch[0], typed.TextScratch[1], typed.NumberScratch[2]) =
                (r % 13 == 0 ? double.NaN : r * 0.5, r % 7 == 0 ? null : "C" + (r % 50) + (r % 11 == 0 ? "ü" : ""), r * 1_000_003.0);
            typed.Commit();
        }
        var predictions = Enumerable.Range(first, rows).Select(r => new Prediction(r % 2 == 0, (float)(r / 7.0), r / 3.0)).ToArray();
        return new LoggedRequest(model, 1, at, "serve", typed.ToScoringInput(["country", "publications", "citations"], [1, 0, 2]), predictions, Enumerable.Range(0, rows).ToArray());
    }

    private static string Text(LoggedPrediction p) => string.Join(" ", p.Timestamp.ToString("O"), p.Source, p.Label, p.Score?.ToString("R"), p.Probability?.ToString("R"),
        string.Join(",", p.Inputs.Select(i => i.Key + "=" + (i.Value is double d ? d.ToString("R") : i.Value))));

    [Fact]
    public void Requests_split_between_segments_read_back_as_their_records_in_time_order()
    {
        // A request far larger than a segment (64 KB) fills several, ending part way through its rows; requests are
        // queued out of time order; in the same group, rows sampled out of order, predictions in a list and boxed rows.
        var large = Typed("split", T0.AddSeconds(2), 6_000);
        var sampled = Typed("split", T0.AddSeconds(1), 40, 6_000);
        sampled = sampled with { Predictions = sampled.Predictions.ToList(), Rows = Enumerable.Range(0, 40).Where(r => r % 3 != 0).Reverse().ToList() };
        var boxed = new LoggedRequest("split", 1, T0.AddSeconds(1), "serve", new ScoringInput(sampled.Input.Columns, [["USA", 1.5, 2.0], [null, null, -0.0]]),
            [new Prediction("a class", 0.25), new Prediction(3.5f)], [1, 0]);
        _store.AppendRequests([large, sampled, boxed]);

        // Time order, then the order in which they were appended.
        var expected = new[] { sampled, boxed, large }.SelectMany(r => r.Records()).Select(Text).ToList();
        Assert.Equal(expected, _store.ReadPredictions("split").Select(Text));
        Assert.Equal(expected.Count, _store.CountPredictions("split"));
        _store.Dispose();
        using var db = new LiteDB.LiteDatabase($"Filename={Path.Combine(_directory, "mlops.db")};Collation=en-US/Ordinal");
        var segments = db.GetCollection("prediction_segments").FindAll().ToList();
        Assert.InRange(segments.Count, 3, 100);
        Assert.Equal(expected.Count, segments.Sum(d => d["n"].AsInt32));
        // The bytes are in the segment file beside mlops.db, one segment after the other.
        Assert.All(segments, d => Assert.InRange(d["z"].AsInt32, 1, 64 * 1024 + 200));
        Assert.Equal(segments.Sum(d => (long)d["z"].AsInt32), new FileInfo(Path.Combine(_directory, "prediction-segments.bin")).Length);
        Assert.Equal(segments.Select(d => d["o"].AsInt64).Order(), segments.Select(d => d["o"].AsInt64).Distinct());
    }

    [Fact]
    public void A_schema_1_store_with_segment_bytes_in_its_documents_reads_as_before_and_is_marked_2()
    {
        _store.AppendRequests([Typed("old", T0, 3_000), Typed("old", T0.AddSeconds(1), 5)]);
        var expected = _store.ReadPredictions("old").Select(Text).ToList();
        _store.Dispose();
        // As schema 1 wrote them: each segment's bytes in its document, no segment file.
        var file = Path.Combine(_directory, "prediction-segments.bin");
        var bytes = File.ReadAllBytes(file);
        File.Delete(file);
        using (var db = new LiteDB.LiteDatabase($"Filename={Path.Combine(_directory, "mlops.db")};Collation=en-US/Ordinal"))
        {
            var segments = db.GetCollection("prediction_segments");
            foreach (var d in segments.FindAll().ToList())
            {
                d["b"] = bytes.AsSpan((int)d["o"].AsInt64, d["z"].AsInt32).ToArray();
                d.Remove("o");
                d.Remove("z");
                segments.Update(d);
            }
            db.GetCollection("meta").Upsert(new LiteDB.BsonDocument { ["_id"] = "schema", ["schemaVersion"] = 1 });
        }

        using var reopened = LiteDbRunStore.Open(_directory);
        Assert.Equal(expected, reopened.ReadPredictions("old").Select(Text));
        Assert.False(File.Exists(file));
        reopened.AppendRequests([Typed("old", T0.AddSeconds(2), 2)]); // new segments beside the old ones
        Assert.Equal(3_007, reopened.ReadPredictions("old").Count());
        reopened.Dispose();
        using var again = new LiteDB.LiteDatabase($"Filename={Path.Combine(_directory, "mlops.db")};Collation=en-US/Ordinal");
        Assert.Equal(LiteDbRunStore.SchemaVersion, again.GetCollection("meta").FindById("schema")["schemaVersion"].AsInt32);
    }

    [Fact]
    public void A_missing_or_cut_segment_file_is_named_in_one_message_not_read_as_garbage()
    {
        _store.AppendRequests([Typed("cut", T0, 3_000)]);
        _store.Dispose();
        var file = Path.Combine(_directory, "prediction-segments.bin");
        using (var stream = new FileStream(file, FileMode.Open))
            stream.SetLength(stream.Length - 10);
        using (var cut = LiteDbRunStore.Open(_directory))
        {
            var error = Assert.Throws<MlOpsException>(() => cut.ReadPredictions("cut").Count());
            Assert.Contains("ends before", error.Message);
            Assert.Contains("'cut/1'", error.Message);
            Assert.Contains("copy it whole", error.Message);
        }
        File.Delete(file);
        using var missing = LiteDbRunStore.Open(_directory);
        Assert.Contains("is missing", Assert.Throws<MlOpsException>(() => missing.ReadPredictions("cut").Count()).Message);
    }

    [Fact]
    public async Task The_logger_writes_requests_larger_than_a_batch_in_pieces_and_in_order()
    {
        // One timestamp for all: the records come back in the order logged.
        await using (var logger = new PredictionLogger(_store, new PredictionLoggerOptions { BatchSize = 7, Clock = new FixedClock(T0) }))
            for (var i = 0; i < 20; i++)
            {
                var request = Typed("pieces", T0, 10 + i, i * 100);
                logger.Log(PredictionLoggerTests.Version, request.Input, request.Predictions, "serve");
            }
        var expected = Enumerable.Range(0, 20).SelectMany(i => Typed("pieces", T0, 10 + i, i * 100).Records()).Select(Text);
        Assert.Equal(expected, _store.ReadPredictions("rankings", 3).Select(Text));
    }

    [Fact]
    public void Packed_on_the_logging_thread_the_records_are_stored_as_appended_requests_are()
    {
        // The same requests (typed, boxed, sampled, one larger than a segment; times out of order) appended whole
        // under one model and packed under another read back alike.
        LoggedRequest[] Requests(string model)
        {
            var sampled = Typed(model, T0.AddSeconds(3), 40, 6_000);
            return
            [
                Typed(model, T0.AddSeconds(2), 6_000),
                sampled with { Predictions = sampled.Predictions.ToList(), Rows = Enumerable.Range(0, 40).Where(r => r % 3 != 0).Reverse().ToList() },
                new LoggedRequest(model, 1, T0.AddSeconds(1), "serve", new ScoringInput(sampled.Input.Columns, [["USA", 1.5, 2.0], [null, null, -0.0]]),
                    [new Prediction("a class", 0.25), new Prediction(3.5f)], [1, 0]),
                Typed(model, T0.AddSeconds(4), 3) with { Source = "shadow" },
            ];
        }
        _store.AppendRequests(Requests("appended"));
        var packer = _store.NewPacker();
        var packs = new List<PredictionPack>();
        foreach (var request in Requests("packed"))
            for (var done = 0; done < request.Rows.Count;)
            {
                var taken = packer.Add(request, done);
                if (taken == 0)
                    packs.Add(packer.Seal());
                done += taken;
            }
        packs.Add(packer.Seal());
        Assert.InRange(packs.Count, 5, 20); // a new pack per segment's worth, earlier time, other column set or source
        _store.AppendPacks(packs);

        Assert.Equal(_store.ReadPredictions("appended").Select(Text), _store.ReadPredictions("packed").Select(Text));
        Assert.Equal(6_000 + 26 + 2 + 3, _store.ReadPredictions("packed").Count());
        Assert.Equal(_store.CountPredictions("appended", 1, "shadow"), _store.CountPredictions("packed", 1, "shadow"));
        Assert.Equal(_store.CountPredictions("appended", 1, "serve"), _store.CountPredictions("packed", 1, "serve"));
    }

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }
}
