using MlOps.Registry;

namespace MlOps.Monitoring;

/// <summary>
/// Every monitoring threshold and which decisions act on their own, in one place (docs/monitoring.md explains each
/// default). Override per model with a <c>with</c> expression, e.g. <c>MonitorPolicy.Default with { PsiThreshold = 0.1 }</c>.
/// </summary>
public sealed record MonitorPolicy
{
    public static MonitorPolicy Default { get; } = new();

    /// <summary>
    /// A feature drifts when PSI ≥ this. 0.2, not Evidently's 0.1: under no drift, PSI over 10 bins is about
    /// 9·(1/n + 1/N), ≈ 0.09 for a 100-row window, so 0.1 would flag sampling noise on small windows; and decision 1
    /// retrains automatically, so its trigger sits in the upper half of the "moderate" band (0.1–0.25), below "major" (&gt; 0.25).
    /// </summary>
    public double PsiThreshold { get; init; } = 0.2;

    /// <summary>KS and chi-squared flag a feature when p &lt; this (the usual 5% level)...</summary>
    public double PValue { get; init; } = 0.05;

    /// <summary>...and, for KS, D ≥ this too: on 1M rows any shift has p ≈ 0, so a minimum effect keeps trivial shifts out.</summary>
    public double MinKsStatistic { get; init; } = 0.1;

    /// <summary>The window drifts as a whole when this share of the features drift (Evidently's dataset drift default).</summary>
    public double DriftShare { get; init; } = 0.5;

    /// <summary>A numeric column whose non-missing cells fail to parse above this share changed type (featurize tolerates 1%).</summary>
    public double MaxUnparsedShare { get; init; } = 0.01;

    /// <summary>A categorical column with more than this share of rows in categories unseen in training (they featurize to "unknown").</summary>
    public double MaxNewCategoryShare { get; init; } = 0.01;

    /// <summary>A column's null rate may rise by at most this much (absolute) over training.</summary>
    public double MaxNullRateIncrease { get; init; } = 0.1;

    /// <summary>
    /// How far a metric may fall behind its value at registration: an absolute drop for higher-is-better metrics
    /// (auc 0.95 → at least 0.90), a relative rise for lower-is-better ones (rmse may grow by 5%).
    /// </summary>
    public double PerformanceTolerance { get; init; } = 0.05;

    /// <summary>Metrics compared with registration; empty = the task's primary metric plus accuracy for binary models.</summary>
    public IReadOnlyList<string> Metrics { get; init; } = [];

    /// <summary>Absolute thresholds on the window's metrics (e.g. the model's gates: "auc >= 0.9").</summary>
    public IReadOnlyList<MetricThreshold> Thresholds { get; init; } = [];

    /// <summary>Decisions applied without a person: 1 (retrain) and 2a (search) by default, since gates guard what they produce.</summary>
    public IReadOnlySet<string> Automatic { get; init; } = new HashSet<string>(StringComparer.Ordinal) { Decision.Retrain, Decision.NewModel };

    /// <summary>Windows smaller than this are not judged on drift (too few rows to tell noise from change).</summary>
    public int MinRows { get; init; } = 30;
}
