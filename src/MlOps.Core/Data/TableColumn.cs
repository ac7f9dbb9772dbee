namespace MlOps.Data;

/// <summary>
/// One column of a <see cref="Table"/>: raw text as read from a file (null = empty cell), or numbers
/// when the source was already typed (a DataFrame or IDataView column). Exactly one of the two is set.
/// </summary>
public sealed class TableColumn
{
    public TableColumn(string name, string?[] text)
    {
        Name = name;
        Text = text;
    }

    public TableColumn(string name, double[] numbers)
    {
        Name = name;
        Numbers = numbers;
    }

    public string Name { get; }

    public string?[]? Text { get; }

    public double[]? Numbers { get; }

    public bool IsTyped => Numbers is not null;

    public int Length => Text?.Length ?? Numbers!.Length;

    /// <summary>The cell as text (numbers formatted invariantly; NaN = null).</summary>
    public string? GetText(int row) =>
        Text is not null ? Text[row]
        : double.IsNaN(Numbers![row]) ? null
        : Numbers[row].ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
