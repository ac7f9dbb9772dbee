using System.Globalization;
using MlOps.Core.Tests.Data;
using MlOps.Data;
using MlOps.Serving;

namespace MlOps.Tests.Serving;

/// <summary>
/// The validation rows of params.yaml's cwurData runs as a client would send them: every raw cell as text, only the
/// rows training validated on (filter world_rank &lt;= 100, split by year: the last year).
/// </summary>
internal static class HeldOutRows
{
    public static (ScoringInput Input, Table Table, int[] Rows) Load()
    {
        var table = TableLoader.LoadCsv(RepoPaths.Rankings("cwurData.csv"));
        var last = Enumerable.Range(0, table.RowCount).Max(r => Number(table, "year", r));
        var rows = Enumerable.Range(0, table.RowCount).Where(r => Number(table, "year", r) == last && Number(table, "world_rank", r) <= 100).ToArray();
        var columns = table.Columns.Select(c => c.Name).ToList();
        var cells = rows.Select(r => table.Columns.Select(c => (object?)c.GetText(r)).ToArray()).ToList();
        return (new ScoringInput(columns, cells), table, rows);
    }

    public static double Number(Table table, string column, int row) => double.Parse(table[column].GetText(row)!, CultureInfo.InvariantCulture);
}
