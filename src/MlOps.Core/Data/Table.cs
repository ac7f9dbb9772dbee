namespace MlOps.Data;

/// <summary>
/// An in-memory, column-oriented table: what the load stage produces and featurize consumes.
/// Cells stay raw text until featurize decides how to read them (number, category, missing).
/// </summary>
public sealed class Table
{
    private readonly Dictionary<string, TableColumn> _byName;

    public Table(string name, IReadOnlyList<TableColumn> columns, LoadReport? report = null)
    {
        Name = name;
        Columns = columns;
        RowCount = columns.Count == 0 ? 0 : columns[0].Length;
        if (columns.Any(c => c.Length != RowCount))
            throw new ArgumentException("All columns of a table must have the same length.", nameof(columns));
        _byName = new Dictionary<string, TableColumn>(StringComparer.Ordinal);
        foreach (var column in columns)
            _byName.TryAdd(column.Name, column);
        Report = report ?? LoadReport.Empty;
    }

    /// <summary>Where it came from, e.g. the file name without extension ("cwurData").</summary>
    public string Name { get; }

    public IReadOnlyList<TableColumn> Columns { get; }

    public int RowCount { get; }

    public LoadReport Report { get; }

    public IEnumerable<string> ColumnNames => Columns.Select(c => c.Name);

    public bool HasColumn(string name) => _byName.ContainsKey(name);

    public TableColumn this[string name] =>
        _byName.TryGetValue(name, out var column)
            ? column
            : throw new MlOpsException(
                $"Column '{name}' is not in data set '{Name}'. Its columns are: {string.Join(", ", ColumnNames)}. " +
                "Check the spelling (names are case-sensitive) or pick another column.");

    public bool TryGetColumn(string name, out TableColumn column) => _byName.TryGetValue(name, out column!);
}
