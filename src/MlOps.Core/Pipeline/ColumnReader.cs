using MlOps.Data;

namespace MlOps.Pipeline;

/// <summary>
/// Reads table columns the way featurize needs them: a text column whose non-missing cells are (messy) numbers
/// is numeric; everything else is text. Parsed columns are kept, so each is parsed once per featurize.
/// </summary>
internal sealed class ColumnReader
{
    // A column stays numeric when at most this share of its non-missing cells fail to parse (they become missing).
    private const double TolerableUnparsedShare = 0.01;

    private readonly Table _table;
    private readonly Dictionary<string, double[]?> _numbers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double[]> _derived = new(StringComparer.Ordinal);

    public ColumnReader(Table table) => _table = table;

    public Table Table => _table;

    public int RowCount => _table.RowCount;

    /// <summary>Cells read as numbers although not plain (e.g. "20,152", "=45", "25%").</summary>
    public int RepairedNumbers { get; private set; }

    /// <summary>Cells of numeric columns that were not numbers and became missing.</summary>
    public int UnparsedNumbers { get; private set; }

    public bool Exists(string name) => _derived.ContainsKey(name) || _table.HasColumn(name);

    /// <summary>true = numeric, false = text, null = no such column.</summary>
    public bool? IsNumeric(string name) => Exists(name) ? TryNumbers(name) is not null : null;

    public void AddDerived(string name, double[] values) => _derived[name] = values;

    public double[] Numbers(string name) =>
        TryNumbers(name) ?? throw new MlOpsException(
            $"Column '{name}' of '{_table.Name}' holds text (e.g. '{FirstText(name)}'), not numbers. " +
            "Declare it categorical (--categorical " + name + ") or leave it out of the numeric features.");

    public string?[] Texts(string name)
    {
        if (_derived.TryGetValue(name, out var derived))
            return derived.Select(v => double.IsNaN(v) ? null : v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var column = _table[name];
        return column.Text ?? Enumerable.Range(0, column.Length).Select(column.GetText).ToArray();
    }

    private string? FirstText(string name) => Texts(name).FirstOrDefault(t => t is not null && !MessyNumber.TryParse(t, out _));

    private double[]? TryNumbers(string name)
    {
        if (_derived.TryGetValue(name, out var derived))
            return derived;
        if (_numbers.TryGetValue(name, out var known))
            return known;
        var column = _table[name];
        var parsed = column.Numbers ?? Parse(column.Text!);
        _numbers[name] = parsed;
        return parsed;
    }

    private double[]? Parse(string?[] text)
    {
        var values = new double[text.Length];
        int present = 0, failed = 0, repaired = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var cell = text[i];
            if (!MessyNumber.TryParse(cell, out values[i]))
            {
                values[i] = double.NaN;
                failed++;
                present++;
                continue;
            }
            if (double.IsNaN(values[i]))
                continue;
            present++;
            if (!IsPlain(cell!))
                repaired++;
        }
        if (present == 0 || failed > present * TolerableUnparsedShare)
            return null;
        RepairedNumbers += repaired;
        UnparsedNumbers += failed;
        return values;
    }

    private static bool IsPlain(string cell) =>
        double.TryParse(cell, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
}
