using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlOps.Serving;

namespace MlOps.Server.Tests;

/// <summary>The answer's bytes are those System.Text.Json writes for the same predictions, for every task's shape.</summary>
public sealed class AnswerWriterTests
{
    /// <summary>The reference: the answer through Utf8JsonWriter, numbers as the floats they are (as the server wrote it before).</summary>
    private static string Reference(IReadOnlyList<Prediction> predictions)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            void Number(double value)
            {
                if ((double)(float)value == value)
                    writer.WriteNumberValue((float)value);
                else
                    writer.WriteNumberValue(value);
            }
            writer.WriteStartObject();
            writer.WriteStartArray("predictions");
            foreach (var p in predictions)
            {
                writer.WriteStartObject();
                switch (p.Label)
                {
                    case bool b: writer.WriteBoolean("label", b); break;
                    case string s: writer.WriteString("label", s); break;
                    case float f: writer.WriteNumber("label", f); break;
                    case double d: writer.WritePropertyName("label"); Number(d); break;
                }
                if (p.Score is { } score) { writer.WritePropertyName("score"); Number(score); }
                if (p.Probability is { } probability) { writer.WritePropertyName("probability"); Number(probability); }
                if (p.Scores is { } scores)
                {
                    writer.WriteStartObject("scores");
                    foreach (var (name, value) in scores) { writer.WritePropertyName(name); Number(value); }
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Written(AnswerWriter writer, IReadOnlyList<Prediction> predictions) => Encoding.UTF8.GetString(writer.Write(predictions));

    [Fact]
    public void Writes_what_system_text_json_writes_for_each_task()
    {
        var random = new Random(5);
        var binary = Enumerable.Range(0, 50).Select(i => new Prediction(i % 3 == 0, (random.NextDouble() - 0.5) * 100, random.NextSingle())).ToList();
        var regression = Enumerable.Range(0, 50).Select(_ => { var f = (random.NextSingle() - 0.5f) * 1e6f; return new Prediction(f, f); }).ToList();
        var multiclass = new[]
        {
            new Prediction("top-10", Scores: new Dictionary<string, double> { ["top-10"] = 0.7f, ["rest"] = 0.3f }),
            // names the default encoder escapes: quotes, backslash, control and HTML characters, non-ASCII
            new Prediction("say \"hi\"\\", Scores: new Dictionary<string, double> { ["a<b>&'+`"] = 1e-7f, ["tab\there"] = 0.25, ["Zürich 東京"] = 1.0 / 3 }),
        };
        var doubles = new[] { new Prediction(1.0 / 3, 0.1, 2e300), new Prediction("x", -1e-320, double.Epsilon) }; // numbers that are no float
        var writer = new AnswerWriter();
        foreach (var predictions in new IReadOnlyList<Prediction>[] { binary, regression, multiclass, doubles, [], binary.Take(1).ToList() })
            Assert.Equal(Reference(predictions), Written(writer, predictions));
    }

    [Fact]
    public void Writes_null_for_numbers_json_cannot_spell()
    {
        var text = Written(new AnswerWriter(), [new Prediction(true, double.NaN, double.PositiveInfinity, new Dictionary<string, double> { ["a"] = double.NegativeInfinity })]);
        var p = JsonNode.Parse(text)!["predictions"]![0]!;
        Assert.Null(p["score"]);
        Assert.Null(p["probability"]);
        Assert.Null(p["scores"]!["a"]);
        Assert.Equal("{\"predictions\":[{\"label\":true,\"score\":null,\"probability\":null,\"scores\":{\"a\":null}}]}", text);
    }

    [Fact]
    public void Grows_for_large_answers_and_is_reused_after_them()
    {
        var writer = new AnswerWriter();
        var large = Enumerable.Range(0, 100_000).Select(i => new Prediction(i % 2 == 0, i * 0.5f, 1f / (i + 1))).ToList();
        Assert.Equal(Reference(large), Written(writer, large));
        Assert.True(writer.Oversized); // the server drops a buffer this large instead of keeping it for the thread
        var small = large.Take(2).ToList();
        Assert.Equal(Reference(small), Written(writer, small));
    }
}
