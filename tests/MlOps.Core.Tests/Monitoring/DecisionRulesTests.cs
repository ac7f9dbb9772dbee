using MlOps.Monitoring;

namespace MlOps.Tests.Monitoring;

/// <summary>Each rule of <see cref="DecisionRules"/>, on reports holding just the failed checks it reads.</summary>
public sealed class DecisionRulesTests
{
    private static CheckResult Fail(string name, string? feature = null) => new(name, feature, 1, 0, false, "failed");
    private static CheckResult Pass(string name, string? feature = null) => new(name, feature, 0, 1, true, "ok");
    private static MonitoringReport Report(params CheckResult[] checks) => new() { Model = "m", Version = 1, WindowId = "w", Checks = checks };

    [Fact]
    public void Healthy_gives_no_decision()
    {
        var report = Report(Pass(CheckNames.Psi, "a"), Pass("performance.auc"));
        Assert.Equal(MonitoringReport.Healthy, report.Status);
        Assert.Null(DecisionRules.Decide(report));
    }

    [Fact]
    public void Performance_down_with_feature_drift_and_the_same_schema_is_1()
    {
        var d = DecisionRules.Decide(Report(Fail("performance.auc"), Fail(CheckNames.Psi, "a"), Pass(CheckNames.NewCategory, "c")))!;
        Assert.Equal(Decision.Retrain, d.Code);
        Assert.True(d.Automatic);
        Assert.Equal(2, d.Evidence.Count);
        Assert.Contains("drift.psi [a]", d.Evidence[1]);
    }

    [Fact]
    public void A_retrained_model_still_under_the_threshold_is_2a()
    {
        var report = Report(Fail("performance.auc"), Fail(CheckNames.Psi, "a"));
        var d = DecisionRules.Decide(report, retrain: new RetrainOutcome(2, false, "v2 auc 0.81 < 0.9"))!;
        Assert.Equal(Decision.NewModel, d.Code);
        Assert.True(d.Automatic);
        Assert.Contains(d.Evidence, e => e.Contains("v2 auc 0.81"));
        // A retrain that met the bar leaves rule 1 standing.
        Assert.Equal(Decision.Retrain, DecisionRules.Decide(report, retrain: new RetrainOutcome(2, true, "ok"))!.Code);
    }

    [Theory]
    [InlineData(CheckNames.NewCategory)]
    [InlineData(CheckNames.TypeChange)]
    [InlineData(CheckNames.NullRate)]
    public void Processing_changes_are_2b_for_a_person_even_with_performance_down(string check)
    {
        var d = DecisionRules.Decide(Report(Fail(check, "c"), Fail("performance.auc"), Fail(CheckNames.Psi, "a")))!;
        Assert.Equal(Decision.Processing, d.Code);
        Assert.False(d.Automatic);
        Assert.Single(d.Evidence);
    }

    [Fact]
    public void A_missing_input_is_3_before_anything_else()
    {
        var d = DecisionRules.Decide(Report(Fail(CheckNames.MissingColumn, "x"), Fail(CheckNames.NewCategory, "c"), Fail("performance.auc")))!;
        Assert.Equal(Decision.Inputs, d.Code);
        Assert.False(d.Automatic);
    }

    [Fact]
    public void Performance_down_without_drift_but_with_a_new_column_is_3()
    {
        var d = DecisionRules.Decide(Report(Fail("estimated.accuracy"), Fail(CheckNames.NewColumn, "z"), Pass(CheckNames.Psi, "a")))!;
        Assert.Equal(Decision.Inputs, d.Code);
        Assert.Contains(d.Evidence, e => e.Contains("[z]"));
    }

    [Fact]
    public void Whole_window_drift_without_performance_evidence_is_1_and_single_feature_drift_is_watched()
    {
        Assert.Equal(Decision.Retrain, DecisionRules.Decide(Report(Fail(CheckNames.DriftShare), Fail(CheckNames.Psi, "a")))!.Code);
        Assert.Equal(Decision.Retrain, DecisionRules.Decide(Report(Fail(CheckNames.PredictionPsi)))!.Code);
        var watched = Report(Fail(CheckNames.Psi, "a"), Pass(CheckNames.DriftShare), Fail(CheckNames.NewColumn, "z"));
        Assert.Equal(MonitoringReport.Degraded, watched.Status);
        Assert.Null(DecisionRules.Decide(watched));
    }

    [Fact]
    public void The_policy_says_which_codes_run_automatically()
    {
        var policy = MonitorPolicy.Default with { Automatic = new HashSet<string> { Decision.Processing } };
        Assert.False(DecisionRules.Decide(Report(Fail("performance.auc")), policy)!.Automatic);
        Assert.True(DecisionRules.Decide(Report(Fail(CheckNames.NullRate, "a")), policy)!.Automatic);
    }
}
