using MlOps.Data;
using MlOps.Tracking;

namespace MlOps.Serving;

/// <summary>Why one input row cannot be scored, naming the column when there is one (an HTTP 400, or a line of a rejects file).</summary>
internal sealed record RowRejection(string Reason, string? Column = null);

/// <summary>
/// Validated rows collected column by column in the signature's order, ready for featurize. A row is read into
/// scratch cells and only committed once every cell passed, so a rejected row leaves nothing behind. Extra text
/// columns (a batch file's label columns) ride along for evaluation.
/// </summary>
internal sealed class SignatureRows
{
    private readonly IReadOnlyList<SchemaColumn> _signature;
    private readonly IReadOnlyList<string> _extras;
    private readonly double[]?[] _numbers;
    private readonly string?[]?[] _texts;
    private readonly string?[][] _extraValues;

    public SignatureRows(IReadOnlyList<SchemaColumn> signature, int capacity, IReadOnlyList<string>? extras = null)
    {
        _signature = signature;
        _extras = extras ?? [];
        _numbers = signature.Select(c => c.Type == "number" ? new double[capacity] : null).ToArray();
        _texts = signature.Select(c => c.Type == "number" ? null : new string?[capacity]).ToArray();
        _extraValues = _extras.Select(_ => new string?[capacity]).ToArray();
        NumberScratch = new double[signature.Count];
        TextScratch = new string?[signature.Count];
        ExtraScratch = new string?[_extras.Count];
    }

    public int Count { get; private set; }

    /// <summary>The row being read: a number per number column of the signature (by signature position).</summary>
    public double[] NumberScratch { get; }

    /// <summary>The row being read: a text per category column of the signature (by signature position).</summary>
    public string?[] TextScratch { get; }

    /// <summary>The row being read: the extra columns' cells.</summary>
    public string?[] ExtraScratch { get; }

    /// <summary>Keep the scratch row as the next row.</summary>
    public void Commit()
    {
        for (var c = 0; c < _signature.Count; c++)
        {
            if (_numbers[c] is { } numbers)
                numbers[Count] = NumberScratch[c];
            else
                _texts[c]![Count] = TextScratch[c];
        }
        for (var e = 0; e < _extras.Count; e++)
            _extraValues[e][Count] = ExtraScratch[e];
        Count++;
    }

    public Table ToTable(string name)
    {
        var columns = new List<TableColumn>(_signature.Count + _extras.Count);
        for (var c = 0; c < _signature.Count; c++)
            columns.Add(_numbers[c] is { } numbers
                ? new TableColumn(_signature[c].Name, Trim(numbers))
                : new TableColumn(_signature[c].Name, Trim(_texts[c]!)));
        for (var e = 0; e < _extras.Count; e++)
            if (!_signature.Any(s => s.Name == _extras[e]))
                columns.Add(new TableColumn(_extras[e], Trim(_extraValues[e])));
        return new Table(name, columns);
    }

    /// <summary>The rows as a scorer's caller would send them (what a prediction log records): numbers, text, null for missing.</summary>
    public ScoringInput ToScoringInput()
    {
        var rows = new object?[Count][];
        for (var r = 0; r < Count; r++)
        {
            var cells = new object?[_signature.Count];
            for (var c = 0; c < cells.Length; c++)
                cells[c] = _numbers[c] is { } numbers ? (double.IsNaN(numbers[r]) ? null : numbers[r]) : _texts[c]![r];
            rows[r] = cells;
        }
        return new ScoringInput(_signature.Select(c => c.Name).ToList(), rows);
    }

    private T[] Trim<T>(T[] values) => values.Length == Count ? values : values[..Count];
}
