using MlOps.Data;

namespace MlOps.Monitoring;

/// <summary>
/// A numeric distribution against a reference <see cref="NumericProfile"/>, fed in pieces: rows per reference decile
/// bin (PSI), the KS counts against the reference sample, and the sum for the mean. Every statistic it gives is
/// exact whatever the pieces: counts add up, and the sum is taken in row order as one pass would take it.
/// </summary>
public sealed class DistributionCounts(NumericProfile reference)
{
    private readonly KsCounts _ks = new(reference.Sample);

    public NumericProfile Reference { get; } = reference;

    /// <summary>Values per reference bin (Edges.Length + 1 bins).</summary>
    public long[] Bins { get; } = new long[reference.Edges.Length + 1];

    /// <summary>Values counted (NaNs, i.e. missing, excluded).</summary>
    public long Present { get; private set; }

    public double Sum { get; private set; }

    public double Mean => Sum / Present;

    public void Add(ReadOnlySpan<double> values)
    {
        foreach (var v in values)
        {
            if (double.IsNaN(v)) continue;
            Bins[DriftStatistics.Bin(Reference.Edges, v)]++;
            Present++;
            Sum += v;
        }
        _ks.Add(values);
    }

    public double Psi() => DriftStatistics.Psi(Reference.Counts, Bins);

    /// <summary>KS statistic D against the reference sample and its asymptotic p-value.</summary>
    public (double D, double P) Ks()
    {
        var d = _ks.Statistic();
        return (d, DriftStatistics.KsPValue(d, Reference.Sample.Length, Present));
    }
}

/// <summary>
/// The counts behind <see cref="DataChecks"/> for one window, fed piece by piece with <see cref="Add"/> (columns of a
/// piece in parallel): the results are the same as for the whole window in one piece, while memory holds only the
/// reference profile's bins and sample per column and the categories seen, never the window's rows. Unseen categories
/// are named up to <c>maxUnseenCategories</c> per column; rows of further ones are still counted (PSI, chi-squared
/// and the new-category share stay exact), so a high-cardinality column cannot grow memory with the window.
/// </summary>
public sealed class WindowCounts
{
    private readonly ReferenceProfile _profile;
    private readonly IReadOnlyList<string> _columns;
    private readonly NumericColumn[] _numeric;
    private readonly CategoricalColumn[] _categorical;

    public WindowCounts(ReferenceProfile profile, IEnumerable<string> windowColumns, int maxUnseenCategories = int.MaxValue)
    {
        _profile = profile;
        _columns = windowColumns.ToList();
        var present = _columns.ToHashSet(StringComparer.Ordinal);
        _numeric = profile.Numeric.Where(n => present.Contains(n.Column)).Select(n => new NumericColumn(n)).ToArray();
        _categorical = profile.Categorical.Where(c => present.Contains(c.Column)).Select(c => new CategoricalColumn(c, maxUnseenCategories)).ToArray();
    }

    /// <summary>Rows counted so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Count one piece of the window (it must have the columns the counts were made for).</summary>
    public void Add(Table piece)
    {
        Parallel.For(0, _numeric.Length + _categorical.Length, i =>
        {
            if (i < _numeric.Length) _numeric[i].Add(piece[_numeric[i].Reference.Column]);
            else _categorical[i - _numeric.Length].Add(piece[_categorical[i - _numeric.Length].Reference.Column]);
        });
        Rows += piece.RowCount;
    }

    public IReadOnlyList<CheckResult> Results(MonitorPolicy policy)
    {
        var results = new List<CheckResult>();
        var window = _columns.ToHashSet(StringComparer.Ordinal);
        var known = _profile.DataColumns.ToHashSet(StringComparer.Ordinal);
        foreach (var name in _profile.Numeric.Select(n => n.Column).Concat(_profile.Categorical.Select(c => c.Column)).Where(n => !window.Contains(n)))
            results.Add(new CheckResult(CheckNames.MissingColumn, name, 1, 0, false, $"input column '{name}' is not in the window: the model cannot score these rows as trained"));
        foreach (var name in _columns.Where(n => known.Count > 0 && !known.Contains(n)))
            results.Add(new CheckResult(CheckNames.NewColumn, name, 1, 0, false, $"column '{name}' was not in the training data: a possible new input (decision 3 if performance is down)"));

        var judgeDrift = Rows >= policy.MinRows;
        // Signature order: numeric columns, then categorical ones.
        var perFeature = _numeric.Select(n => (n.Reference.Column, Checks: n.Results(policy, judgeDrift)))
            .Concat(_categorical.Select(c => (c.Reference.Column, Checks: c.Results(policy, judgeDrift)))).ToList();
        foreach (var feature in perFeature)
            results.AddRange(feature.Checks);

        if (judgeDrift && perFeature.Count > 0)
        {
            var drifted = perFeature.Where(f => f.Checks.Any(c => CheckNames.IsFeatureDrift(c.Name) && !c.Passed)).Select(f => f.Column).Order(StringComparer.Ordinal).ToList();
            var share = (double)drifted.Count / perFeature.Count;
            results.Add(new CheckResult(CheckNames.DriftShare, null, share, policy.DriftShare, share < policy.DriftShare,
                $"{drifted.Count} of {perFeature.Count} features drifted{(drifted.Count > 0 ? ": " + string.Join(", ", drifted) : "")} (the window drifts at a share of {DataChecks.F(policy.DriftShare)})"));
        }
        return results;
    }

    private sealed class NumericColumn(NumericProfile reference)
    {
        private readonly DistributionCounts _values = new(reference);
        private long _cells, _nulls, _unparsed;
        private string? _firstUnparsed;

        public NumericProfile Reference => reference;

        public void Add(TableColumn column)
        {
            var (values, nulls, unparsed) = WindowColumns.Numbers(column);
            _cells += values.Length;
            _nulls += nulls;
            _unparsed += unparsed;
            if (unparsed > 0)
                _firstUnparsed ??= DataChecks.FirstUnparsed(column);
            _values.Add(values);
        }

        public List<CheckResult> Results(MonitorPolicy policy, bool judgeDrift) =>
            DataChecks.Numeric(reference, _cells, _nulls, _unparsed, _firstUnparsed, _values, policy, judgeDrift);
    }

    private sealed class CategoricalColumn(CategoryProfile reference, int maxUnseen)
    {
        private Dictionary<string, long>? _counts;
        private long _nulls, _uncounted;
        private int _unseen;

        public CategoryProfile Reference => reference;

        public void Add(TableColumn column)
        {
            var (counts, nulls) = WindowColumns.Categories(column);
            _nulls += nulls;
            if (_counts is null && maxUnseen == int.MaxValue)
            {
                // A whole window in one piece, uncapped: its counts as they are.
                _counts = counts;
                return;
            }
            _counts ??= new Dictionary<string, long>(StringComparer.Ordinal);
            // Merged in the order categories first appear, so ties among unseen ones list as one pass lists them.
            foreach (var (category, rows) in counts)
            {
                if (_counts.TryGetValue(category, out var known))
                    _counts[category] = known + rows;
                else if (reference.Counts.ContainsKey(category))
                    _counts[category] = rows;
                else if (_unseen < maxUnseen)
                {
                    _counts[category] = rows;
                    _unseen++;
                }
                else
                    _uncounted += rows;
            }
        }

        public List<CheckResult> Results(MonitorPolicy policy, bool judgeDrift) =>
            DataChecks.Categorical(reference, _counts ?? new Dictionary<string, long>(), _nulls, _uncounted, policy, judgeDrift);
    }
}
