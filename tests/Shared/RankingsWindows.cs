using System.Globalization;
using MlOps.Data;

namespace MlOps.Tests.Shared;

/// <summary>
/// Windows of "later" data cut from cwurData.csv and written as CSV files, the way a monitored model receives them:
/// chosen years, each cell through a change (column, row, cell), columns dropped.
/// </summary>
internal static class RankingsWindows
{
    public static string Write(string cwurCsv, string path, string[] years, Func<string, int, string?, string?>? change = null, params string[] drop)
    {
        var data = TableLoader.Load(cwurCsv);
        var rows = Enumerable.Range(0, data.RowCount).Where(r => years.Contains(data["year"].GetText(r))).ToArray();
        var columns = data.Columns.Where(c => !drop.Contains(c.Name)).ToList();
        using var writer = new StreamWriter(path);
        writer.WriteLine(string.Join(",", columns.Select(c => c.Name)));
        for (var i = 0; i < rows.Length; i++)
            writer.WriteLine(string.Join(",", columns.Select(c => Quote(change is null ? c.GetText(rows[i]) : change(c.Name, i, c.GetText(rows[i]))))));
        return path;
    }

    /// <summary>Reverse the ranking inside the top 100 (rank r becomes 101 - r): the label "top 50" flips, the inputs stay.</summary>
    public static string? ReversedLabels(string column, int row, string? cell) =>
        column == "world_rank" && double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var rank) && rank <= 100
            ? (101 - rank).ToString(CultureInfo.InvariantCulture)
            : cell;

    /// <summary>Multiply one numeric column by a factor.</summary>
    public static Func<string, int, string?, string?> Scaled(string target, double factor) => (column, _, cell) =>
        column == target && double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? (v * factor).ToString(CultureInfo.InvariantCulture)
            : cell;

    private static string Quote(string? cell) =>
        cell is null ? "" : cell.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + cell.Replace("\"", "\"\"") + "\"" : cell;
}
