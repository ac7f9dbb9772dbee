namespace MlOps.Monitoring;

/// <summary>
/// The statistics behind the drift checks, written from their definitions so tests can check them against
/// hand-computed figures: population stability index, two-sample Kolmogorov-Smirnov (statistic and asymptotic
/// p-value) and Pearson's chi-squared test of homogeneity (statistic and p-value).
/// </summary>
public static class DriftStatistics
{
    /// <summary>Shares below this count as this (an empty bin would make PSI infinite); Evidently uses the same 0.0001.</summary>
    public const double PsiEpsilon = 1e-4;

    /// <summary>PSI = Σ (actual − expected) · ln(actual / expected) over bins, each share floored at <see cref="PsiEpsilon"/>.</summary>
    public static double Psi(ReadOnlySpan<double> expectedShares, ReadOnlySpan<double> actualShares)
    {
        if (expectedShares.Length != actualShares.Length)
            throw new ArgumentException("PSI needs the same bins on both sides.");
        var psi = 0.0;
        for (var i = 0; i < expectedShares.Length; i++)
        {
            var e = Math.Max(expectedShares[i], PsiEpsilon);
            var a = Math.Max(actualShares[i], PsiEpsilon);
            psi += (a - e) * Math.Log(a / e);
        }
        return psi;
    }

    /// <summary>PSI from counts (shares = count / total of each side).</summary>
    public static double Psi(ReadOnlySpan<long> expectedCounts, ReadOnlySpan<long> actualCounts)
    {
        double e = 0, a = 0;
        foreach (var c in expectedCounts) e += c;
        foreach (var c in actualCounts) a += c;
        var es = new double[expectedCounts.Length];
        var @as = new double[actualCounts.Length];
        for (var i = 0; i < es.Length; i++) es[i] = e == 0 ? 0 : expectedCounts[i] / e;
        for (var i = 0; i < @as.Length; i++) @as[i] = a == 0 ? 0 : actualCounts[i] / a;
        return Psi(es, @as);
    }

    /// <summary>Index of the bin holding <paramref name="x"/>: bins are (-∞, e0], (e0, e1], ..., (e_last, ∞), so edges.Length + 1 bins.</summary>
    public static int Bin(double[] edges, double x)
    {
        // Lower bound: first edge >= x. Inner edges are few (deciles: ≤ 9), but binary search keeps it O(log k) for any k.
        int lo = 0, hi = edges.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (edges[mid] < x) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>
    /// Two-sample KS statistic D = sup |F_ref(x) − F_cur(x)| between a sorted reference sample and an unsorted current
    /// sample, without sorting the current one (see <see cref="KsCounts"/>). NaNs are skipped.
    /// </summary>
    public static double KsStatistic(double[] sortedReference, ReadOnlySpan<double> current)
    {
        if (sortedReference.Length == 0) return double.NaN;
        var counts = new KsCounts(sortedReference);
        counts.Add(current);
        return counts.Statistic();
    }

    /// <summary>Two-sample KS statistic by merging two sorted samples (the textbook algorithm, ties advanced together).</summary>
    public static double KsStatisticSorted(double[] a, double[] b)
    {
        int i = 0, j = 0;
        double d = 0;
        while (i < a.Length && j < b.Length)
        {
            var x = Math.Min(a[i], b[j]);
            while (i < a.Length && a[i] == x) i++;
            while (j < b.Length && b[j] == x) j++;
            d = Math.Max(d, Math.Abs((double)i / a.Length - (double)j / b.Length));
        }
        return d;
    }

    /// <summary>
    /// Asymptotic p-value of the two-sample KS test: Q_KS(√(n·m/(n+m)) · D), where Q_KS(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²)
    /// is the Kolmogorov distribution's survival function (Q_KS(1.358) ≈ 0.05).
    /// </summary>
    public static double KsPValue(double d, long n, long m)
    {
        if (double.IsNaN(d) || n == 0 || m == 0) return double.NaN;
        return KolmogorovSurvival(Math.Sqrt((double)n * m / (n + m)) * d);
    }

    /// <summary>P(K &gt; λ) for the Kolmogorov distribution.</summary>
    public static double KolmogorovSurvival(double lambda)
    {
        if (lambda <= 0) return 1;
        if (lambda < 1.18)
        {
            // The alternating series converges slowly for small λ; the Jacobi-theta form converges fast there:
            // P(K <= λ) = √(2π)/λ Σ e^(−(2k−1)²π²/(8λ²)).
            var cdf = 0.0;
            for (var k = 1; k <= 20; k++)
                cdf += Math.Exp(-(2 * k - 1) * (2 * k - 1) * Math.PI * Math.PI / (8 * lambda * lambda));
            return Math.Clamp(1 - Math.Sqrt(2 * Math.PI) / lambda * cdf, 0, 1);
        }
        var q = 0.0;
        for (var k = 1; k <= 100; k++)
        {
            var term = Math.Exp(-2.0 * k * k * lambda * lambda);
            q += (k % 2 == 1 ? 2 : -2) * term;
            if (term < 1e-16) break;
        }
        return Math.Clamp(q, 0, 1);
    }

    /// <summary>
    /// Pearson's chi-squared test of homogeneity on a 2 × k table (reference counts vs current counts per category):
    /// χ² = Σ (O − E)² / E with E = row total · column total / grand total, df = (non-empty categories − 1).
    /// </summary>
    public static (double Statistic, int DegreesOfFreedom, double PValue) ChiSquared(ReadOnlySpan<long> reference, ReadOnlySpan<long> current)
    {
        if (reference.Length != current.Length)
            throw new ArgumentException("Chi-squared needs the same categories on both sides.");
        double r = 0, c = 0;
        for (var i = 0; i < reference.Length; i++) { r += reference[i]; c += current[i]; }
        var total = r + c;
        if (r == 0 || c == 0) return (double.NaN, 0, double.NaN);
        double chi = 0;
        var columns = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            var column = reference[i] + current[i];
            if (column == 0) continue;
            columns++;
            var er = r * column / total;
            var ec = c * column / total;
            chi += (reference[i] - er) * (reference[i] - er) / er + (current[i] - ec) * (current[i] - ec) / ec;
        }
        var df = columns - 1;
        return df <= 0 ? (0, 0, 1) : (chi, df, ChiSquaredSurvival(chi, df));
    }

    /// <summary>P(χ²_df &gt; x) = Q(df/2, x/2), the regularized upper incomplete gamma function.</summary>
    public static double ChiSquaredSurvival(double x, int df) => x <= 0 ? 1 : UpperGamma(df / 2.0, x / 2.0);

    // Regularized incomplete gamma: series for x < a + 1, continued fraction (modified Lentz) otherwise.
    private static double UpperGamma(double a, double x)
    {
        var logPrefix = a * Math.Log(x) - x - LogGamma(a);
        if (x < a + 1)
        {
            double sum = 1 / a, term = sum;
            for (var n = 1; n < 1000; n++)
            {
                term *= x / (a + n);
                sum += term;
                if (Math.Abs(term) < Math.Abs(sum) * 1e-15) break;
            }
            return Math.Clamp(1 - sum * Math.Exp(logPrefix), 0, 1);
        }
        const double tiny = 1e-300;
        double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
        for (var i = 1; i < 1000; i++)
        {
            var an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.Abs(d) < tiny) d = tiny;
            c = b + an / c;
            if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-15) break;
        }
        return Math.Clamp(Math.Exp(logPrefix) * h, 0, 1);
    }

    // Lanczos approximation (g = 7, n = 9), accurate to ~15 digits for a > 0.
    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    internal static double LogGamma(double a)
    {
        if (a < 0.5)
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * a))) - LogGamma(1 - a);
        a -= 1;
        var x = Lanczos[0];
        for (var i = 1; i < Lanczos.Length; i++) x += Lanczos[i] / (a + i);
        var t = a + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (a + 0.5) * Math.Log(t) - t + Math.Log(x);
    }
}

/// <summary>
/// The counts behind <see cref="DriftStatistics.KsStatistic"/>, fed in pieces: a window read chunk by chunk gets the
/// same D as one pass over all its values, in memory of the reference sample's size. Each current value is placed by
/// binary search among the reference values (O(m log n)), then D is read off the counts. Exact: within one gap
/// between reference values F_ref is constant, so the supremum is reached just at or just before a reference value.
/// </summary>
public sealed class KsCounts
{
    private readonly double[] _reference;
    private readonly long[] _below;
    private readonly long[] _equal;
    private readonly int[] _start;
    private readonly double _min, _max, _scale;
    private readonly int _buckets;

    public KsCounts(double[] sortedReference)
    {
        _reference = sortedReference;
        var n = sortedReference.Length;
        // below[j] = current values strictly between reference[j-1] and reference[j] (below[n]: above the last);
        // equal[j] = current values equal to reference[j] (only the first of a run of equal reference values counts).
        _below = new long[n + 1];
        _equal = new long[n];
        if (n == 0) { _start = []; return; }
        // A bucket index over [min, max] narrows each binary search to the few reference values in x's bucket
        // (2-4 steps instead of log2(10,000) ≈ 14 on spread-out data): the search is this check's whole cost.
        _min = sortedReference[0];
        _max = sortedReference[^1];
        _buckets = Math.Min(4 * n, 1 << 16);
        _scale = _max > _min ? _buckets / (_max - _min) : 0;
        _start = new int[_buckets + 2];
        for (int b = 0, i = 0; b <= _buckets + 1; b++)
        {
            // start[b] = first reference index whose value falls in bucket b or later.
            while (i < n && (int)Math.Min(_buckets, (sortedReference[i] - _min) * _scale) < b) i++;
            _start[b] = i;
        }
    }

    /// <summary>Current values counted so far (NaNs excluded).</summary>
    public long Count { get; private set; }

    public void Add(ReadOnlySpan<double> current)
    {
        var n = _reference.Length;
        if (n == 0) return;
        foreach (var x in current)
        {
            if (double.IsNaN(x)) continue;
            Count++;
            int lo, hi;
            if (x <= _min) { lo = 0; hi = 0; }
            else if (x > _max) { lo = n; hi = n; }
            else
            {
                var b = (int)Math.Min(_buckets, (x - _min) * _scale);
                // The bucket is monotone in the value, so the first value >= x lies in [start[b], start[b+1]].
                lo = _start[b];
                hi = _start[b + 1];
            }
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (_reference[mid] < x) lo = mid + 1; else hi = mid;
            }
            if (lo < n && _reference[lo] == x) _equal[lo]++; else _below[lo]++;
        }
    }

    /// <summary>D over everything added; NaN when the reference or the current sample is empty.</summary>
    public double Statistic()
    {
        var n = _reference.Length;
        var m = Count;
        if (n == 0 || m == 0) return double.NaN;
        double d = 0;
        long curBelow = 0; // current values < reference[j]
        var j = 0;
        while (j < n)
        {
            var v = _reference[j];
            curBelow += _below[j];
            // Just before v: F_ref = j/n, F_cur = curBelow/m.
            d = Math.Max(d, Math.Abs((double)j / n - (double)curBelow / m));
            var k = j;
            while (k < n && _reference[k] == v) k++;
            curBelow += _equal[j];
            // At v: F_ref = k/n, F_cur = (values <= v)/m. Reference ties between j and k hold no current values.
            d = Math.Max(d, Math.Abs((double)k / n - (double)curBelow / m));
            j = k;
        }
        return d;
    }
}
