using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using MlOps.Serving;

namespace MlOps.Storage.Postgres;

/// <summary>
/// A logged prediction's inputs as the <c>inputs json</c> column: one object, columns in the order sent, values as
/// the embedded store keeps them (double, string, bool, null; other numbers as double, anything else as text).
/// JSON has no NaN or infinity, so a non-finite double is written as <c>{"$double": "NaN"}</c> and read back as one.
/// </summary>
internal static class PredictionInputs
{
    private const string NonFinite = "$double";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Text as written (é, <, ') rather than \u escapes: the column is also read by people with psql.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string[] Write(IReadOnlyList<LoggedPrediction> batch)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using var json = new Utf8JsonWriter(buffer, WriterOptions);
        var texts = new string[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            buffer.ResetWrittenCount();
            json.Reset(buffer);
            json.WriteStartObject();
            foreach (var (name, value) in batch[i].Inputs)
            {
                json.WritePropertyName(name);
                WriteValue(json, value);
            }
            json.WriteEndObject();
            json.Flush();
            texts[i] = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        return texts;
    }

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case double d:
                WriteNumber(json, d);
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case IConvertible c when c.GetTypeCode() is >= TypeCode.SByte and <= TypeCode.Decimal:
                WriteNumber(json, c.ToDouble(CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void WriteNumber(Utf8JsonWriter json, double d)
    {
        if (double.IsFinite(d))
        {
            // Shortest round-trip digits: parsed back, the same double.
            json.WriteNumberValue(d);
            return;
        }
        json.WriteStartObject();
        json.WriteString(NonFinite, d.ToString(CultureInfo.InvariantCulture));
        json.WriteEndObject();
    }

    /// <summary>
    /// Column names of the rows read so far, by position: consecutive rows almost always have the same columns, so
    /// one string per column serves a whole window instead of one per row.
    /// </summary>
    public sealed class Names
    {
        private readonly List<string> _byPosition = [];

        public string Get(ref Utf8JsonReader reader, int position)
        {
            if (position < _byPosition.Count && reader.ValueTextEquals(_byPosition[position]))
                return _byPosition[position];
            var name = reader.GetString()!;
            if (position < _byPosition.Count) _byPosition[position] = name;
            else _byPosition.Add(name);
            return name;
        }
    }

    public static Dictionary<string, object?> Read(ReadOnlySpan<byte> utf8, Names names)
    {
        var reader = new Utf8JsonReader(utf8);
        var inputs = new Dictionary<string, object?>(StringComparer.Ordinal);
        Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = names.Get(ref reader, inputs.Count);
            Expect(reader.Read());
            inputs[name] = reader.TokenType switch
            {
                JsonTokenType.Null => null,
                JsonTokenType.Number => reader.GetDouble(),
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.True => true,
                JsonTokenType.False => false,
                JsonTokenType.StartObject => ReadNonFinite(ref reader),
                _ => throw Damaged(),
            };
        }
        return inputs;
    }

    private static double ReadNonFinite(ref Utf8JsonReader reader)
    {
        Expect(reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(NonFinite));
        Expect(reader.Read() && reader.TokenType == JsonTokenType.String);
        var value = double.Parse(reader.GetString()!, CultureInfo.InvariantCulture);
        Expect(reader.Read() && reader.TokenType == JsonTokenType.EndObject);
        return value;
    }

    private static void Expect(bool holds)
    {
        if (!holds) throw Damaged();
    }

    private static MlOpsException Damaged() =>
        new("A logged prediction's inputs are not in the form this MlOps writes (an object of numbers, text, true/false and null); the predictions table was edited by hand.");
}
