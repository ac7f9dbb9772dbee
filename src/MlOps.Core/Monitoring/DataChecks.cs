using System.Collections.Concurrent;
using System.Globalization;
using MlOps.Data;

namespace MlOps.Monitoring;

/// <summary>
/// Schema and data-drift checks of a window against a stored <see cref="ReferenceProfile"/>: no model needed, one
/// pass per column, columns in parallel. Numeric: PSI over the reference deciles (binary search into the edges) and
/// KS against the reference sample (binary search, no sort); categorical: PSI over categories plus an "unseen"
/// bucket, and chi-squared. Then the share of drifted features.
/// </summary>
public static class DataChecks
{
    private static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    public static IReadOnlyList<CheckResult> Run(ReferenceProfile profile, Table window, MonitorPolicy? policy = null)
    {
        policy ??= MonitorPolicy.Default;
        var results = new List<CheckResult>();
        var known = profile.DataColumns.ToHashSet(StringComparer.Ordinal);
        foreach (var name in profile.Numeric.Select(n => n.Column).Concat(profile.Categorical.Select(c => c.Column)).Where(n => !window.HasColumn(n)))
            results.Add(new CheckResult(CheckNames.MissingColumn, name, 1, 0, false, $"input column '{name}' is not in the window: the model cannot score these rows as trained"));
        foreach (var name in window.ColumnNames.Where(n => known.Count > 0 && !known.Contains(n)))
            results.Add(new CheckResult(CheckNames.NewColumn, name, 1, 0, false, $"column '{name}' was not in the training data: a possible new input (decision 3 if performance is down)"));

        var judgeDrift = window.RowCount >= policy.MinRows;
        var numeric = profile.Numeric.Where(n => window.HasColumn(n.Column)).ToArray();
        var categorical = profile.Categorical.Where(c => window.HasColumn(c.Column)).ToArray();
        var perFeature = new ConcurrentDictionary<string, List<CheckResult>>(StringComparer.Ordinal);
        Parallel.For(0, numeric.Length + categorical.Length, i =>
            perFeature[i < numeric.Length ? numeric[i].Column : categorical[i - numeric.Length].Column] = i < numeric.Length
                ? Numeric(numeric[i], window[numeric[i].Column], policy, judgeDrift)
                : Categorical(categorical[i - numeric.Length], window[categorical[i - numeric.Length].Column], policy, judgeDrift));
        // Signature order, whatever order the threads finished in.
        foreach (var name in numeric.Select(n => n.Column).Concat(categorical.Select(c => c.Column)))
            results.AddRange(perFeature[name]);

        if (judgeDrift && perFeature.Count > 0)
        {
            var drifted = perFeature.Where(f => f.Value.Any(c => CheckNames.IsFeatureDrift(c.Name) && !c.Passed)).Select(f => f.Key).Order(StringComparer.Ordinal).ToList();
            var share = (double)drifted.Count / perFeature.Count;
            results.Add(new CheckResult(CheckNames.DriftShare, null, share, policy.DriftShare, share < policy.DriftShare,
                $"{drifted.Count} of {perFeature.Count} features drifted{(drifted.Count > 0 ? ": " + string.Join(", ", drifted) : "")} (the window drifts at a share of {F(policy.DriftShare)})"));
        }
        return results;
    }

    private static List<CheckResult> Numeric(NumericProfile reference, TableColumn column, MonitorPolicy policy, bool judgeDrift)
    {
        var results = new List<CheckResult>(4);
        var (values, nulls, unparsed) = WindowColumns.Numbers(column);
        var nonMissing = values.Length - nulls;
        var unparsedShare = nonMissing == 0 ? 0 : (double)unparsed / nonMissing;
        results.Add(new CheckResult(CheckNames.TypeChange, reference.Column, unparsedShare, policy.MaxUnparsedShare, unparsedShare <= policy.MaxUnparsedShare,
            unparsed == 0 ? "all cells read as numbers" : $"{unparsed} of {nonMissing} non-missing cells are not numbers (e.g. '{FirstUnparsed(column)}')"));
        var nullRate = values.Length == 0 ? 0 : (double)nulls / values.Length;
        results.Add(NullRate(reference.Column, reference.NullRate, nullRate, policy));
        if (!judgeDrift)
            return results;

        var counts = new long[reference.Edges.Length + 1];
        long present = 0;
        double sum = 0;
        foreach (var v in values)
        {
            if (double.IsNaN(v)) continue;
            counts[DriftStatistics.Bin(reference.Edges, v)]++;
            present++;
            sum += v;
        }
        if (present == 0)
        {
            results.Add(new CheckResult(CheckNames.Psi, reference.Column, double.NaN, policy.PsiThreshold, false, "no numeric values in the window to compare"));
            return results;
        }
        var psi = DriftStatistics.Psi(reference.Counts, counts);
        var mean = sum / present;
        results.Add(new CheckResult(CheckNames.Psi, reference.Column, psi, policy.PsiThreshold, psi < policy.PsiThreshold,
            $"PSI {F(psi)} over {counts.Length} reference quantile bins; mean {F(reference.Mean)} -> {F(mean)}"));
        var d = DriftStatistics.KsStatistic(reference.Sample, values);
        var p = DriftStatistics.KsPValue(d, reference.Sample.Length, present);
        results.Add(new CheckResult(CheckNames.Ks, reference.Column, d, policy.MinKsStatistic, !(p < policy.PValue && d >= policy.MinKsStatistic),
            $"KS D {F(d)}, p {p.ToString("0.###e0", CultureInfo.InvariantCulture)} ({reference.Sample.Length} reference values vs {present}; drift when p < {F(policy.PValue)} and D >= {F(policy.MinKsStatistic)})"));
        return results;
    }

    private static List<CheckResult> Categorical(CategoryProfile reference, TableColumn column, MonitorPolicy policy, bool judgeDrift)
    {
        var results = new List<CheckResult>(4);
        var (counts, nulls) = WindowColumns.Categories(column);
        var present = counts.Values.Sum();
        var unseen = counts.Where(c => !reference.Counts.ContainsKey(c.Key)).OrderByDescending(c => c.Value).ToList();
        var unseenRows = unseen.Sum(c => c.Value);
        var unseenShare = present == 0 ? 0 : (double)unseenRows / present;
        results.Add(new CheckResult(CheckNames.NewCategory, reference.Column, unseenShare, policy.MaxNewCategoryShare, unseenShare <= policy.MaxNewCategoryShare,
            unseen.Count == 0 ? "no categories unseen in training"
                : $"{unseen.Count} categories unseen in training ({string.Join(", ", unseen.Take(5).Select(u => $"'{u.Key}' x{u.Value}"))}) in {unseenRows} of {present} rows; the model reads them as unknown"));
        var total = present + nulls;
        results.Add(NullRate(reference.Column, reference.NullRate, total == 0 ? 0 : (double)nulls / total, policy));
        if (!judgeDrift || present == 0)
            return results;

        // Reference categories in a fixed order, then one bucket for everything unseen.
        var categories = reference.Counts.Keys.ToArray();
        var refCounts = new long[categories.Length + 1];
        var curCounts = new long[categories.Length + 1];
        for (var i = 0; i < categories.Length; i++)
        {
            refCounts[i] = reference.Counts[categories[i]];
            curCounts[i] = counts.GetValueOrDefault(categories[i]);
        }
        curCounts[^1] = unseenRows;
        var psi = DriftStatistics.Psi(refCounts, curCounts);
        results.Add(new CheckResult(CheckNames.Psi, reference.Column, psi, policy.PsiThreshold, psi < policy.PsiThreshold,
            $"PSI {F(psi)} over {categories.Length} categories + unseen"));
        var (chi, df, p) = DriftStatistics.ChiSquared(refCounts, curCounts);
        results.Add(new CheckResult(CheckNames.ChiSquared, reference.Column, p, policy.PValue, !(p < policy.PValue),
            $"chi-squared {F(chi)}, df {df}, p {p.ToString("0.###e0", CultureInfo.InvariantCulture)} (drift when p < {F(policy.PValue)})"));
        return results;
    }

    private static CheckResult NullRate(string column, double reference, double current, MonitorPolicy policy) =>
        new(CheckNames.NullRate, column, current - reference, policy.MaxNullRateIncrease, current - reference <= policy.MaxNullRateIncrease,
            $"missing {F(current * 100)}% of rows (training {F(reference * 100)}%)");

    private static string? FirstUnparsed(TableColumn column) =>
        column.Text?.FirstOrDefault(t => !MessyNumber.TryParse(t, out _));

    /// <summary>PSI and KS of the window's predicted scores against the training rows' scores.</summary>
    public static IReadOnlyList<CheckResult> PredictionDrift(NumericProfile reference, double[] scores, MonitorPolicy? policy = null)
    {
        policy ??= MonitorPolicy.Default;
        var counts = new long[reference.Edges.Length + 1];
        long present = 0;
        foreach (var v in scores)
            if (!double.IsNaN(v)) { counts[DriftStatistics.Bin(reference.Edges, v)]++; present++; }
        if (present < policy.MinRows)
            return [];
        var psi = DriftStatistics.Psi(reference.Counts, counts);
        var d = DriftStatistics.KsStatistic(reference.Sample, scores);
        var p = DriftStatistics.KsPValue(d, reference.Sample.Length, present);
        return
        [
            new CheckResult(CheckNames.PredictionPsi, null, psi, policy.PsiThreshold, psi < policy.PsiThreshold,
                $"PSI {F(psi)} of predicted scores; mean {F(reference.Mean)} -> {F(scores.Where(s => !double.IsNaN(s)).Average())}"),
            new CheckResult(CheckNames.PredictionKs, null, d, policy.MinKsStatistic, !(p < policy.PValue && d >= policy.MinKsStatistic),
                $"KS D {F(d)}, p {p.ToString("0.###e0", CultureInfo.InvariantCulture)} of predicted scores"),
        ];
    }
}
