using System.Globalization;
using MlOps.Data;

namespace MlOps.Monitoring;

/// <summary>
/// Schema and data-drift checks of a window against a stored <see cref="ReferenceProfile"/>: no model needed, one
/// pass per column, columns in parallel. Numeric: PSI over the reference deciles (binary search into the edges) and
/// KS against the reference sample (binary search, no sort); categorical: PSI over categories plus an "unseen"
/// bucket, and chi-squared. Then the share of drifted features. The counts behind them are kept by
/// <see cref="WindowCounts"/>, so a window can also be checked in pieces.
/// </summary>
public static class DataChecks
{
    internal static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    public static IReadOnlyList<CheckResult> Run(ReferenceProfile profile, Table window, MonitorPolicy? policy = null)
    {
        var counts = new WindowCounts(profile, window.ColumnNames);
        counts.Add(window);
        return counts.Results(policy ?? MonitorPolicy.Default);
    }

    internal static List<CheckResult> Numeric(NumericProfile reference, long cells, long nulls, long unparsed, string? firstUnparsed,
        DistributionCounts values, MonitorPolicy policy, bool judgeDrift)
    {
        var results = new List<CheckResult>(4);
        var nonMissing = cells - nulls;
        var unparsedShare = nonMissing == 0 ? 0 : (double)unparsed / nonMissing;
        results.Add(new CheckResult(CheckNames.TypeChange, reference.Column, unparsedShare, policy.MaxUnparsedShare, unparsedShare <= policy.MaxUnparsedShare,
            unparsed == 0 ? "all cells read as numbers" : $"{unparsed} of {nonMissing} non-missing cells are not numbers (e.g. '{firstUnparsed}')"));
        var nullRate = cells == 0 ? 0 : (double)nulls / cells;
        results.Add(NullRate(reference.Column, reference.NullRate, nullRate, policy));
        if (!judgeDrift)
            return results;

        if (values.Present == 0)
        {
            results.Add(new CheckResult(CheckNames.Psi, reference.Column, double.NaN, policy.PsiThreshold, false, "no numeric values in the window to compare"));
            return results;
        }
        var psi = values.Psi();
        results.Add(new CheckResult(CheckNames.Psi, reference.Column, psi, policy.PsiThreshold, psi < policy.PsiThreshold,
            $"PSI {F(psi)} over {values.Bins.Length} reference quantile bins; mean {F(reference.Mean)} -> {F(values.Mean)}"));
        var (d, p) = values.Ks();
        results.Add(new CheckResult(CheckNames.Ks, reference.Column, d, policy.MinKsStatistic, !(p < policy.PValue && d >= policy.MinKsStatistic),
            $"KS D {F(d)}, p {p.ToString("0.###e0", CultureInfo.InvariantCulture)} ({reference.Sample.Length} reference values vs {values.Present}; drift when p < {F(policy.PValue)} and D >= {F(policy.MinKsStatistic)})"));
        return results;
    }

    /// <param name="counts">Rows per category seen in the window (unseen ones only up to a cap when <paramref name="uncounted"/> is above 0).</param>
    /// <param name="uncounted">Rows of unseen categories beyond the cap: counted, not named.</param>
    internal static List<CheckResult> Categorical(CategoryProfile reference, IReadOnlyDictionary<string, long> counts, long nulls, long uncounted,
        MonitorPolicy policy, bool judgeDrift)
    {
        var results = new List<CheckResult>(4);
        var present = counts.Values.Sum() + uncounted;
        var unseen = counts.Where(c => !reference.Counts.ContainsKey(c.Key)).OrderByDescending(c => c.Value).ToList();
        var unseenRows = unseen.Sum(c => c.Value) + uncounted;
        var unseenShare = present == 0 ? 0 : (double)unseenRows / present;
        results.Add(new CheckResult(CheckNames.NewCategory, reference.Column, unseenShare, policy.MaxNewCategoryShare, unseenShare <= policy.MaxNewCategoryShare,
            unseenRows == 0 ? "no categories unseen in training"
                : $"{(uncounted > 0 ? "more than " : "")}{unseen.Count} categories unseen in training ({string.Join(", ", unseen.Take(5).Select(u => $"'{u.Key}' x{u.Value}"))}) in {unseenRows} of {present} rows; the model reads them as unknown"));
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

    internal static string? FirstUnparsed(TableColumn column) =>
        column.Text?.FirstOrDefault(t => !MessyNumber.TryParse(t, out _));

    /// <summary>PSI and KS of the window's predicted scores against the training rows' scores.</summary>
    public static IReadOnlyList<CheckResult> PredictionDrift(NumericProfile reference, double[] scores, MonitorPolicy? policy = null)
    {
        var counts = new DistributionCounts(reference);
        counts.Add(scores);
        return PredictionDrift(counts, policy);
    }

    /// <summary>PSI and KS of predicted scores counted with <see cref="DistributionCounts"/> (e.g. piece by piece).</summary>
    public static IReadOnlyList<CheckResult> PredictionDrift(DistributionCounts scores, MonitorPolicy? policy = null)
    {
        policy ??= MonitorPolicy.Default;
        if (scores.Present < policy.MinRows)
            return [];
        var psi = scores.Psi();
        var (d, p) = scores.Ks();
        return
        [
            new CheckResult(CheckNames.PredictionPsi, null, psi, policy.PsiThreshold, psi < policy.PsiThreshold,
                $"PSI {F(psi)} of predicted scores; mean {F(scores.Reference.Mean)} -> {F(scores.Mean)}"),
            new CheckResult(CheckNames.PredictionKs, null, d, policy.MinKsStatistic, !(p < policy.PValue && d >= policy.MinKsStatistic),
                $"KS D {F(d)}, p {p.ToString("0.###e0", CultureInfo.InvariantCulture)} of predicted scores"),
        ];
    }
}
