using System.Text.Json;
using MlOps.Serving;

namespace MlOps.Server;

/// <summary>
/// MLflow's scoring request formats -> <see cref="ScoringInput"/>: <c>dataframe_split</c> (columns + data),
/// <c>dataframe_records</c> (one object per row) and <c>instances</c> (objects, or arrays in signature order).
/// Errors are <see cref="ScoringInputException"/>s (HTTP 400).
/// </summary>
internal static class InvocationParser
{
    public static ScoringInput Parse(JsonElement root, IReadOnlyList<string> signature)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw Bad("The body must be a JSON object with one of: dataframe_split, dataframe_records, instances.");
        if (root.TryGetProperty("dataframe_split", out var split))
            return Split(split);
        if (root.TryGetProperty("dataframe_records", out var records))
            return Records(records, "dataframe_records", signature);
        if (root.TryGetProperty("instances", out var instances))
            return Records(instances, "instances", signature);
        if (root.TryGetProperty("inputs", out var inputs))
            return Records(inputs, "inputs", signature);
        throw Bad("The body must have one of the keys dataframe_split, dataframe_records, instances (MLflow's scoring formats).");
    }

    /// <summary>
    /// The common request read straight into typed signature rows, with no document or boxed cells: a
    /// dataframe_split body whose columns are exactly the signature's (in any order) and whose cells are numbers or
    /// null in number columns, text or null in category columns. Null for anything else (other formats, extra
    /// columns, cells that need <see cref="MessyNumber"/> or are of the wrong type, malformed JSON): the caller then
    /// reads the body with <see cref="Parse"/>, which validates and words every error, so both give the same answer.
    /// </summary>
    public static (SignatureRows Rows, SplitColumns Columns)? TryReadSplit(ReadOnlySpan<byte> body, ScorerLease lease)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            (SignatureRows, SplitColumns)? read = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // As Parse: dataframe_split wins over the other formats' keys, and unknown keys are ignored.
                if (!reader.ValueTextEquals("dataframe_split"u8))
                    reader.Skip();
                else if (read is not null || (read = ReadSplit(ref reader, body, lease)) is null)
                    return null;
            }
            // The whole body must be one object (Read throws on anything after it).
            return reader.TokenType == JsonTokenType.EndObject && !reader.Read() ? read : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (SignatureRows, SplitColumns)? ReadSplit(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, ScorerLease lease)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return null;
        SplitColumns? columns = null;
        SignatureRows? rows = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("columns"u8) && columns is null)
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (reader.TokenType != JsonTokenType.EndArray || (columns = lease.Columns(body[start..(int)reader.BytesConsumed])) is null)
                    return null;
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                // Columns come first in what clients send (pandas' split orient); otherwise the general reader takes it.
                if (columns is null || rows is not null || (rows = ReadData(ref reader, body, columns, lease.Scorer)) is null)
                    return null;
            }
            else if (reader.ValueTextEquals("columns"u8))
                return null;
            else
                reader.Skip();
        }
        return rows is null ? null : (rows, columns!);
    }

    private static SignatureRows? ReadData(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, SplitColumns columns, ModelScorer scorer)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            return null;
        // Each row opens a bracket: their count bounds the rows (a bracket inside text only adds room).
        var rows = new SignatureRows(scorer.Signature, Math.Max(1, body[(int)reader.BytesConsumed..].Count((byte)'[')));
        var (numbers, texts, positions) = (rows.NumberScratch, rows.TextScratch, columns.Positions);
        while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
        {
            var j = 0;
            for (; reader.Read() && reader.TokenType != JsonTokenType.EndArray; j++)
            {
                if (j == positions.Length)
                    return null;
                var at = positions[j];
                // The cells ModelScorer.ReadRow takes as they are; it is the one that judges the others.
                switch (columns.IsNumber[j], reader.TokenType)
                {
                    case (true, JsonTokenType.Number) when TryGetNumber(ref reader, out var number):
                        numbers[at] = number;
                        break;
                    case (true, JsonTokenType.Null):
                        numbers[at] = double.NaN; // missing: featurize fills it as in training
                        break;
                    case (false, JsonTokenType.String):
                        texts[at] = reader.GetString();
                        break;
                    case (false, JsonTokenType.Null):
                        texts[at] = null;
                        break;
                    default:
                        return null;
                }
            }
            if (j != positions.Length)
                return null;
            rows.Commit();
        }
        return reader.TokenType == JsonTokenType.EndArray ? rows : null;
    }

    /// <summary>
    /// A number cell. Whole numbers of up to 15 digits (ranks, counts, years: most cells clients send) are read here,
    /// exactly (below 2^53); the general parser, several times slower, reads the others.
    /// </summary>
    private static bool TryGetNumber(ref Utf8JsonReader reader, out double number)
    {
        var text = reader.ValueSpan; // the body is one span, so a value never spans segments
        var negative = text.Length > 1 && text[0] == (byte)'-';
        var digits = negative ? text[1..] : text;
        if (digits.Length <= 15)
        {
            long value = 0;
            var i = 0;
            for (; i < digits.Length && (uint)(digits[i] - '0') <= 9; i++)
                value = value * 10 + (digits[i] - '0');
            if (i == digits.Length)
            {
                number = negative ? -(double)value : value; // "-0" stays negative zero, as the general parser reads it
                return true;
            }
        }
        return reader.TryGetDouble(out number);
    }

    private static ScoringInput Split(JsonElement split)
    {
        if (split.ValueKind != JsonValueKind.Object || !split.TryGetProperty("columns", out var columns) || columns.ValueKind != JsonValueKind.Array
            || !split.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            throw Bad("dataframe_split must be an object with a \"columns\" array and a \"data\" array of rows.");
        var names = columns.EnumerateArray().Select(c => c.ValueKind == JsonValueKind.String ? c.GetString()! : throw Bad("dataframe_split.columns must be strings.")).ToList();
        var rows = new List<object?[]>(data.GetArrayLength());
        var r = 0;
        foreach (var row in data.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array)
                throw Bad($"dataframe_split.data[{r}] must be an array of cells.");
            var cells = new object?[row.GetArrayLength()];
            var i = 0;
            foreach (var cell in row.EnumerateArray())
            {
                cells[i] = Cell(cell, i < names.Count ? names[i] : null);
                i++;
            }
            rows.Add(cells);
            r++;
        }
        return new ScoringInput(names, rows);
    }

    private static ScoringInput Records(JsonElement records, string key, IReadOnlyList<string> signature)
    {
        if (records.ValueKind != JsonValueKind.Array)
            throw Bad($"{key} must be an array of rows.");
        // Objects name their columns; bare arrays (MLflow `instances` for tensors) are read in signature order.
        var columns = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var parsed = new List<Dictionary<string, object?>>(records.GetArrayLength());
        var positional = new List<object?[]>();
        var r = 0;
        foreach (var record in records.EnumerateArray())
        {
            if (record.ValueKind == JsonValueKind.Array)
            {
                positional.Add(record.EnumerateArray().Select((c, i) => Cell(c, i < signature.Count ? signature[i] : null)).ToArray());
                r++;
                continue;
            }
            if (record.ValueKind != JsonValueKind.Object)
                throw Bad($"{key}[{r}] must be an object (column -> value).");
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var property in record.EnumerateObject())
            {
                if (index.TryAdd(property.Name, columns.Count))
                    columns.Add(property.Name);
                row[property.Name] = Cell(property.Value, property.Name);
            }
            parsed.Add(row);
            r++;
        }
        if (positional.Count > 0 && parsed.Count > 0)
            throw Bad($"{key} mixes objects and arrays; send one kind.");
        if (positional.Count > 0)
            return new ScoringInput(signature, positional);
        // A key absent from one record is a missing value there, as in a pandas frame built from records.
        return new ScoringInput(columns, parsed.Select(row => columns.Select(c => row.GetValueOrDefault(c)).ToArray()).ToList());
    }

    private static object? Cell(JsonElement cell, string? column) => cell.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Number => cell.GetDouble(),
        JsonValueKind.String => cell.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new ScoringInputException($"Column '{column}' has a {cell.ValueKind.ToString().ToLowerInvariant()} where a single value belongs.", column),
    };

    private static ScoringInputException Bad(string message) => new(message);
}
