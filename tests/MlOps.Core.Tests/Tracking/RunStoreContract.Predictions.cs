using MlOps.Serving;
using MlOps.Tests.Serving;

namespace MlOps.Tests.Tracking;

/// <summary>What every backend must do with the prediction log: values, timestamp order, filters and windows, streaming, counts.</summary>
public abstract partial class RunStoreContract
{
    protected IPredictionLogStore PredictionLog => (IPredictionLogStore)Store;

    private static readonly DateTime LogT0 = new(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc);

    private static LoggedPrediction Logged(int second, int version = 1, string source = "serve", string model = "rankings") =>
        new(model, version, LogT0.AddSeconds(second), source,
            new Dictionary<string, object?> { ["publications"] = 12.5, ["country"] = "USA", ["patents"] = null, ["flag"] = true },
            second % 2 == 0 ? "true" : "false", Score: second, Probability: second / 100.0);

    [Fact]
    public void Predictions_round_trip_with_their_values_in_timestamp_order()
    {
        PredictionLog.AppendPredictions([Logged(5), Logged(1), Logged(3, source: "batch")]);
        PredictionLog.AppendPredictions([Logged(2, version: 2), Logged(4), Logged(0, model: "rankings-2")]);

        var all = PredictionLog.ReadPredictions("rankings").ToList();
        Assert.Equal([1, 2, 3, 4, 5], all.Select(p => (int)p.Score!.Value));
        var first = all[0];
        Assert.Equal(("rankings", 1, "serve", "false", 0.01), (first.Model, first.Version, first.Source, first.Label, first.Probability));
        Assert.Equal(LogT0.AddSeconds(1), first.Timestamp);
        Assert.Equal(DateTimeKind.Utc, first.Timestamp.Kind);
        Assert.Equal(["publications", "country", "patents", "flag"], first.Inputs.Keys);
        Assert.Equal([12.5, "USA", null, true], first.Inputs.Values);

        Assert.Equal([2], PredictionLog.ReadPredictions("rankings", version: 2).Select(p => (int)p.Score!.Value));
        Assert.Equal([3], PredictionLog.ReadPredictions("rankings", source: "batch").Select(p => (int)p.Score!.Value));
        Assert.Equal([2, 3], PredictionLog.ReadPredictions("rankings", from: LogT0.AddSeconds(2), to: LogT0.AddSeconds(4)).Select(p => (int)p.Score!.Value));
        Assert.Equal([4], PredictionLog.ReadPredictions("rankings", version: 1, source: "serve", from: LogT0.AddSeconds(2), to: LogT0.AddSeconds(5)).Select(p => (int)p.Score!.Value));
        Assert.Equal([0], PredictionLog.ReadPredictions("rankings-2").Select(p => (int)p.Score!.Value));
        Assert.Equal(5, PredictionLog.CountPredictions("rankings"));
        Assert.Equal(4, PredictionLog.CountPredictions("rankings", version: 1));
        Assert.Equal(1, PredictionLog.CountPredictions("rankings", source: "batch"));
        Assert.Equal(3, PredictionLog.CountPredictions("rankings", version: 1, source: "serve"));
        Assert.Equal(0, PredictionLog.CountPredictions("nothing"));
        Assert.Empty(PredictionLog.ReadPredictions("nothing"));
    }

    [Fact]
    public void Batches_out_of_timestamp_order_read_back_in_order()
    {
        // Neighbours swapped (as requests answered on two threads queue) and a batch wholly reversed (far out of order).
        var nearly = Enumerable.Range(0, 3000).Select(i => i % 2 == 0 && i + 1 < 3000 ? i + 1 : i % 2 == 1 ? i - 1 : i).Select(s => Logged(s)).ToList();
        var reversed = Enumerable.Range(3000, 3000).Reverse().Select(s => Logged(s)).ToList();

        PredictionLog.AppendPredictions(nearly);
        PredictionLog.AppendPredictions(reversed);

        Assert.Equal(Enumerable.Range(0, 6000), PredictionLog.ReadPredictions("rankings").Select(p => (int)p.Score!.Value));
    }

    [Fact]
    public void Predictions_keep_every_value_and_timestamp_exactly()
    {
        var at = LogT0.AddTicks(1_234_567);
        var inputs = new Dictionary<string, object?>
        {
            ["z last-sorted first"] = 0.1, ["nan"] = double.NaN, ["inf"] = double.PositiveInfinity, ["-inf"] = double.NegativeInfinity,
            ["-0"] = -0.0, ["max"] = double.MaxValue, ["tiny"] = double.Epsilon, ["third"] = 1.0 / 3, ["int"] = 7, ["decimal"] = 1.5m,
            ["text"] = "a \"quoted\", comma\nnew line ü 𝄞 <tag> \\", ["empty"] = "", ["no"] = false, ["missing"] = null, ["NaN as text"] = "NaN",
            ["$double"] = "a column named like the marker",
        };
        var unspecified = DateTime.SpecifyKind(at.AddSeconds(1), DateTimeKind.Unspecified);
        PredictionLog.AppendPredictions(
        [
            new LoggedPrediction("exact", 1, at, "serve", inputs, "label ü", Score: -0.0, Probability: 1e-300),
            new LoggedPrediction("exact", 1, unspecified, "serve", new Dictionary<string, object?>(), "", Score: null, Probability: null),
            new LoggedPrediction("exact", 1, at.AddSeconds(2).ToLocalTime(), "serve", new Dictionary<string, object?> { ["a"] = 1.0 }, "x"),
        ]);

        var read = ((IPredictionLogStore)OpenAgain()).ReadPredictions("exact").ToList();
        Assert.Equal([at, at.AddSeconds(1), at.AddSeconds(2)], read.Select(p => p.Timestamp));
        Assert.All(read, p => Assert.Equal(DateTimeKind.Utc, p.Timestamp.Kind));
        var values = read[0].Inputs;
        Assert.Equal(inputs.Keys, values.Keys);
        Assert.Equal(0.1, values["z last-sorted first"]);
        Assert.True(double.IsNaN((double)values["nan"]!));
        Assert.Equal(double.PositiveInfinity, values["inf"]);
        Assert.Equal(double.NegativeInfinity, values["-inf"]);
        Assert.True(double.IsNegative((double)values["-0"]!));
        Assert.Equal(double.MaxValue, values["max"]);
        Assert.Equal(double.Epsilon, values["tiny"]);
        Assert.Equal(1.0 / 3, values["third"]);
        Assert.Equal(7.0, values["int"]);
        Assert.Equal(1.5, values["decimal"]);
        Assert.Equal(inputs["text"], values["text"]);
        Assert.Equal("", values["empty"]);
        Assert.Equal(false, values["no"]);
        Assert.Null(values["missing"]);
        Assert.Equal("NaN", values["NaN as text"]);
        Assert.Equal(inputs["$double"], values["$double"]);
        Assert.Equal(("label ü", 1e-300), (read[0].Label, read[0].Probability));
        Assert.True(double.IsNegative(read[0].Score!.Value));
        Assert.Empty(read[1].Inputs);
        Assert.Equal(("", null, null), (read[1].Label, read[1].Score, read[1].Probability));
    }

    [Fact]
    public void Predictions_stream_in_append_order_within_a_timestamp_and_survive_a_reopen()
    {
        // Many rows share a timestamp: they come back in the order they were appended, across batches.
        PredictionLog.AppendPredictions(Enumerable.Range(0, 2_500).Select(i => Logged(i / 10) with { Score = i }).ToList());
        PredictionLog.AppendPredictions(Enumerable.Range(2_500, 500).Select(i => Logged(249) with { Score = i }).ToList());
        var again = (IPredictionLogStore)OpenAgain();
        Assert.Equal(Enumerable.Range(0, 3_000), again.ReadPredictions("rankings").Select(p => (int)p.Score!.Value));
        Assert.Equal(3_000, again.CountPredictions("rankings", 1));
        // A reader that stops early leaves the store usable at once.
        Assert.Equal([0, 1, 2], again.ReadPredictions("rankings").Take(3).Select(p => (int)p.Score!.Value));
        Assert.Equal(3_000, again.CountPredictions("rankings"));
    }

    [Fact]
    public async Task Predictions_the_logger_writes_through_the_real_store()
    {
        await using (var logger = new PredictionLogger(PredictionLog))
            for (var i = 0; i < 30; i++)
            {
                var (input, predictions) = PredictionLoggerTests.Request(100, i * 100);
                logger.Log(PredictionLoggerTests.Version, input, predictions, "serve");
            }
        Assert.Equal(3_000, PredictionLog.CountPredictions("rankings", 3, "serve"));
        var read = PredictionLog.ReadPredictions("rankings", 3).ToList();
        Assert.Equal(Enumerable.Range(0, 3_000).Select(i => (double)i), read.Select(p => (double)p.Inputs["publications"]!).Order());
        Assert.All(read, p => Assert.Null(p.Inputs["patents"]));
    }
}
