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
    private int _capacity;

    public SignatureRows(IReadOnlyList<SchemaColumn> signature, int capacity, IReadOnlyList<string>? extras = null)
    {
        _signature = signature;
        _extras = extras ?? [];
        // Loops, not LINQ: the server makes one of these per request.
        _numbers = new double[]?[signature.Count];
        _texts = new string?[]?[signature.Count];
        for (var c = 0; c < signature.Count; c++)
        {
            if (signature[c].Type == "number")
                _numbers[c] = new double[capacity];
            else
                _texts[c] = new string?[capacity];
        }
        _extraValues = new string?[_extras.Count][];
        for (var e = 0; e < _extras.Count; e++)
            _extraValues[e] = new string?[capacity];
        _capacity = capacity;
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

    /// <summary>Signature column <paramref name="column"/>'s values when it is a number column (NaN = missing), else null; <see cref="Count"/> of them are rows.</summary>
    public double[]? Numbers(int column) => _numbers[column];

    /// <summary>Signature column <paramref name="column"/>'s values when it is a category column (null = missing), else null.</summary>
    public string?[]? Texts(int column) => _texts[column];

    /// <summary>Keep the scratch row as the next row (the columns grow when full: a reader may not know the row count ahead).</summary>
    public void Commit()
    {
        if (Count == _capacity)
            Grow();
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

    private void Grow()
    {
        _capacity = Math.Max(4, _capacity * 2);
        for (var c = 0; c < _signature.Count; c++)
        {
            if (_numbers[c] is not null)
                Array.Resize(ref _numbers[c], _capacity);
            else
                Array.Resize(ref _texts[c], _capacity);
        }
        for (var e = 0; e < _extras.Count; e++)
            Array.Resize(ref _extraValues[e], _capacity);
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
    public ScoringInput ToScoringInput() => ToScoringInput(_signature.Select(c => c.Name).ToList(), Enumerable.Range(0, _signature.Count).ToArray());

    /// <summary>
    /// The same, with <paramref name="columns"/> in the caller's order, column j being signature column
    /// <paramref name="positions"/>[j]. The rows are built when first read (by the prediction log's writer, off the
    /// request path), so the rows must not change afterwards.
    /// </summary>
    public ScoringInput ToScoringInput(IReadOnlyList<string> columns, int[] positions) => new(columns, new BoxedRows(this, positions, Count));

    private sealed class BoxedRows(SignatureRows rows, int[] positions, int count) : IReadOnlyList<object?[]>, ITypedRows
    {
        public double[]? Numbers(int column) => rows._numbers[positions[column]];

        public string?[]? Texts(int column) => rows._texts[positions[column]];

        private object?[][]? _built;

        public int Count => count;

        public object?[] this[int index] => Rows()[index];

        public IEnumerator<object?[]> GetEnumerator() => ((IEnumerable<object?[]>)Rows()).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        // Readers on several threads (log writer, shadow) may race here: each builds the same rows, one set is kept.
        private object?[][] Rows() => Volatile.Read(ref _built) ?? Interlocked.CompareExchange(ref _built, Build(), null) ?? _built!;

        private object?[][] Build()
        {
            var built = new object?[count][];
            for (var r = 0; r < count; r++)
            {
                var cells = new object?[positions.Length];
                for (var j = 0; j < cells.Length; j++)
                    cells[j] = rows._numbers[positions[j]] is { } numbers
                        ? (double.IsNaN(numbers[r]) ? null : numbers[r])
                        : rows._texts[positions[j]]![r];
                built[r] = cells;
            }
            return built;
        }
    }

    private T[] Trim<T>(T[] values) => values.Length == Count ? values : values[..Count];
}
