using MlOps.Monitoring;

namespace MlOps.Tests.Monitoring;

/// <summary>The drift statistics against hand-computed figures, brute-force definitions and published table values.</summary>
public sealed class DriftStatisticsTests
{
    [Fact]
    public void Psi_matches_a_hand_computed_example()
    {
        // (0.5-0.25)·ln(0.5/0.25) + 0 + (0.25-0.5)·ln(0.25/0.5) = 0.5·ln 2
        Assert.Equal(0.5 * Math.Log(2), DriftStatistics.Psi([0.25, 0.25, 0.5], [0.5, 0.25, 0.25]), 12);
        Assert.Equal(0.5 * Math.Log(2), DriftStatistics.Psi([25L, 25, 50], [50L, 25, 25]), 12);
        Assert.Equal(0, DriftStatistics.Psi([0.3, 0.7], [0.3, 0.7]));
    }

    [Fact]
    public void Psi_floors_an_empty_bin_at_epsilon_instead_of_going_infinite()
    {
        // Bin 2 is empty in the window: its share counts as 1e-4.
        var psi = DriftStatistics.Psi([0.5, 0.5], [1.0, 0.0]);
        var byHand = (1.0 - 0.5) * Math.Log(1.0 / 0.5) + (1e-4 - 0.5) * Math.Log(1e-4 / 0.5);
        Assert.Equal(byHand, psi, 12);
        Assert.True(double.IsFinite(psi));
    }

    [Fact]
    public void Bins_are_closed_on_the_right()
    {
        double[] edges = [1, 2, 3];
        Assert.Equal([0, 0, 1, 1, 3, 3], new[] { 0.5, 1, 1.5, 2, 3.5, 100 }.Select(x => DriftStatistics.Bin(edges, x)).ToArray());
    }

    [Fact]
    public void Ks_statistic_equals_the_definition_computed_by_brute_force_on_random_data()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 50; trial++)
        {
            // Rounded values so ties occur within and across the samples.
            var a = Enumerable.Range(0, random.Next(1, 200)).Select(_ => Math.Round(random.NextDouble() * 20, trial % 2)).ToArray();
            var b = Enumerable.Range(0, random.Next(1, 300)).Select(_ => Math.Round(random.NextDouble() * 22 - 1, trial % 2)).ToArray();
            // D = max over every observed x of |F_a(x) − F_b(x)|, ECDFs counted directly: O(n·(n+m)).
            var brute = a.Concat(b).Max(x => Math.Abs(a.Count(v => v <= x) / (double)a.Length - b.Count(v => v <= x) / (double)b.Length));
            var sortedA = a.Order().ToArray();
            Assert.Equal(brute, DriftStatistics.KsStatistic(sortedA, b), 12);
            Assert.Equal(brute, DriftStatistics.KsStatisticSorted(sortedA, b.Order().ToArray()), 12);
        }
    }

    [Fact]
    public void Ks_p_value_follows_the_kolmogorov_distribution()
    {
        // Published values: P(K > 1.3581) = 0.05, P(K > 1.6276) = 0.01, P(K > 1) = 0.2700 (K(1) = 0.7300).
        Assert.Equal(0.05, DriftStatistics.KolmogorovSurvival(1.3581), 4);
        Assert.Equal(0.01, DriftStatistics.KolmogorovSurvival(1.6276), 4);
        Assert.Equal(0.26999967, DriftStatistics.KolmogorovSurvival(1.0), 6);
        // Both series used (below and above 1.18) agree where they meet.
        Assert.Equal(DriftStatistics.KolmogorovSurvival(1.1799999), DriftStatistics.KolmogorovSurvival(1.18), 6);
        // n = m = 200: λ = √100 · D, so D = 0.13581 is just significant at 5%.
        Assert.Equal(0.05, DriftStatistics.KsPValue(0.13581, 200, 200), 4);
    }

    [Fact]
    public void Chi_squared_matches_a_hand_computed_example()
    {
        // Reference 10/20/30, current 20/20/20: expected 15/20/25 on both sides,
        // χ² = 2·(25/15 + 0 + 25/25) = 16/3, df 2, p = e^(−χ²/2) for df 2.
        var (chi, df, p) = DriftStatistics.ChiSquared([10L, 20, 30], [20L, 20, 20]);
        Assert.Equal(16.0 / 3, chi, 12);
        Assert.Equal(2, df);
        Assert.Equal(Math.Exp(-8.0 / 3), p, 10);
    }

    [Fact]
    public void Chi_squared_survival_matches_table_values()
    {
        Assert.Equal(0.05, DriftStatistics.ChiSquaredSurvival(3.841459, 1), 6);
        Assert.Equal(0.05, DriftStatistics.ChiSquaredSurvival(18.307038, 10), 6);
        Assert.Equal(0.01, DriftStatistics.ChiSquaredSurvival(63.690740, 40), 6);
    }
}
