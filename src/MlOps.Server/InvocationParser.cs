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
