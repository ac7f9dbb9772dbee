using MlOps.Monitoring;

namespace MlOps.Tests.Tracking;

/// <summary>What every backend must do with monitoring records: profiles per version, reports per window, decisions append-only.</summary>
public abstract partial class RunStoreContract
{
    protected IMonitoringStore Monitoring => (IMonitoringStore)Store;

    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Monitoring_profile_round_trips_per_model_and_version()
    {
        var profile = new ReferenceProfile
        {
            Model = "m", Version = 2, Task = "binary", Rows = 3, CreatedAt = T0, DataColumns = ["a", "c", "y"],
            Numeric = [NumericProfile.From("a", [1.0, 2, 3, double.NaN], 1)],
            Categorical = [CategoryProfile.From("c", (new Dictionary<string, long> { ["x"] = 2, ["y"] = 1 }, 0))],
            Predictions = NumericProfile.From("prediction", [0.1, 0.9, 0.5], 0),
        };
        Monitoring.SaveProfile(profile);
        Monitoring.SaveProfile(profile with { Version = 3, Rows = 9 });

        var read = ((IMonitoringStore)OpenAgain()).FindProfile("m", 2)!;
        Assert.Equal(profile.ToJson(), read.ToJson());
        Assert.Equal([1.0, 2, 3], read.Numeric[0].Sample);
        Assert.Equal(0.25, read.Numeric[0].NullRate);
        Assert.Equal(9, Monitoring.FindProfile("m", 3)!.Rows);
        Assert.Null(Monitoring.FindProfile("m", 4));
    }

    [Fact]
    public void Monitoring_reports_are_kept_per_window_oldest_first_and_a_recheck_replaces_its_window()
    {
        MonitoringReport Report(int version, string window, int hours, bool passed) => new()
        {
            Model = "m", Version = version, WindowId = window, At = T0.AddHours(hours), Rows = 100, Labelled = true,
            Checks = [new CheckResult(CheckNames.Psi, "a", passed ? 0.01 : 0.4, 0.2, passed, "psi"), new CheckResult("performance.auc", null, double.NaN, 0.9, false, "undefined")],
        };
        Monitoring.SaveCheck(Report(1, "day-2", 24, true));
        Monitoring.SaveCheck(Report(1, "day-1", 0, true));
        Monitoring.SaveCheck(Report(2, "day-3", 48, true));
        Monitoring.SaveCheck(Report(1, "day-1", 1, false)); // the same window checked again

        var all = ((IMonitoringStore)OpenAgain()).ListChecks("m");
        Assert.Equal(["day-1", "day-2", "day-3"], all.Select(r => r.WindowId));
        Assert.Equal(0.4, all[0].Checks[0].Value);
        Assert.True(double.IsNaN(all[0].Checks[1].Value));
        Assert.Equal(MonitoringReport.Degraded, all[0].Status);
        Assert.Equal(["day-1", "day-2"], Monitoring.ListChecks("m", 1).Select(r => r.WindowId));
        Assert.Empty(Monitoring.ListChecks("other"));
    }

    [Fact]
    public void Monitoring_decisions_are_append_only_and_a_correction_is_a_new_record()
    {
        var decision = new Decision(Decision.Retrain, "performance is down", ["performance.auc: 0.8"], "Retrain", true);
        var first = new DecisionRecord { Model = "m", Version = 1, WindowId = "day-1", At = T0, Decision = decision, By = "monitor" };
        Monitoring.SaveDecision(first);

        var error = Assert.Throws<MlOpsException>(() => Monitoring.SaveDecision(first with { Applied = true }));
        Assert.Contains("append-only", error.Message);

        var correction = new DecisionRecord
        {
            Model = "m", Version = 1, WindowId = "day-1", At = T0.AddMinutes(5), By = "alice",
            Decision = decision with { Code = Decision.Processing, Automatic = false }, Note = "the feed changed units", Supersedes = first.Id,
        };
        Monitoring.SaveDecision(correction);

        var records = ((IMonitoringStore)OpenAgain()).ListDecisions("m");
        Assert.Equal([first.Id, correction.Id], records.Select(r => r.Id));
        Assert.False(records[0].Applied); // the refused rewrite changed nothing
        Assert.Equal(decision.Evidence, records[0].Decision.Evidence);
        Assert.Equal(first.Id, records[1].Supersedes);
        Assert.Equal(Decision.Processing, records[1].Decision.Code);
    }
}
