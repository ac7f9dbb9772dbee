using MlOps.Data;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Monitoring;

/// <summary>Reads raw table columns the way featurize does (messy numbers, trimmed categories), counting what does not fit.</summary>
internal static class WindowColumns
{
    /// <summary>Numbers of a column: missing cells are NaN (counted as nulls); cells that are not numbers are NaN and counted as unparsed.</summary>
    public static (double[] Values, long Nulls, long Unparsed) Numbers(TableColumn column)
    {
        if (column.Numbers is { } typed)
        {
            long nulls = 0;
            foreach (var v in typed) if (double.IsNaN(v)) nulls++;
            return (typed, nulls, 0);
        }
        var text = column.Text!;
        var values = new double[text.Length];
        long missing = 0, unparsed = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (!MessyNumber.TryParse(text[i], out values[i]))
            {
                values[i] = double.NaN;
                unparsed++;
            }
            else if (double.IsNaN(values[i]))
                missing++;
        }
        return (values, missing, unparsed);
    }

    /// <summary>Rows per trimmed category; empty cells are nulls.</summary>
    public static (Dictionary<string, long> Counts, long Nulls) Categories(TableColumn column)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        long nulls = 0;
        for (var i = 0; i < column.Length; i++)
        {
            var cell = column.GetText(i)?.Trim();
            if (string.IsNullOrEmpty(cell)) { nulls++; continue; }
            counts[cell] = counts.GetValueOrDefault(cell) + 1;
        }
        return (counts, nulls);
    }

    /// <summary>
    /// The signature columns of a table as scoring input. Numeric cells are parsed here (unparsable = missing, which
    /// featurize fills) so one bad cell is reported by the schema check instead of failing the whole window's scoring.
    /// </summary>
    public static ScoringInput ToScoringInput(Table table, IReadOnlyList<SchemaColumn> signature)
    {
        var columns = signature.Select(c => c.Name).ToList();
        var cells = signature.Select(c => c.Type == "number"
            ? Numbers(table[c.Name]).Values.Select(v => double.IsNaN(v) ? null : (object?)v).ToArray()
            : Enumerable.Range(0, table.RowCount).Select(r => (object?)table[c.Name].GetText(r)).ToArray()).ToArray();
        var rows = new List<object?[]>(table.RowCount);
        for (var r = 0; r < table.RowCount; r++)
        {
            var row = new object?[columns.Count];
            for (var c = 0; c < columns.Count; c++) row[c] = cells[c][r];
            rows.Add(row);
        }
        return new ScoringInput(columns, rows);
    }

    /// <summary>The given rows of a table, every column kept.</summary>
    public static Table Rows(Table table, IReadOnlyList<int> rows, string? name = null) =>
        new(name ?? table.Name, table.Columns.Select(c => c.Numbers is { } n
            ? new TableColumn(c.Name, rows.Select(r => n[r]).ToArray())
            : new TableColumn(c.Name, rows.Select(r => c.Text![r]).ToArray())).ToList());
}
