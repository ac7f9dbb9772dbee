namespace MlOps.Monitoring;

/// <summary>
/// Where monitoring keeps its records: one reference profile per model version (computed once), one report per
/// checked window (the time view reads them), and decisions, append-only.
/// </summary>
public interface IMonitoringStore
{
    /// <summary>Insert or replace the profile of (profile.Model, profile.Version).</summary>
    void SaveProfile(ReferenceProfile profile);

    ReferenceProfile? FindProfile(string model, int version);

    /// <summary>Insert or replace the report of (model, version, window id): re-checking a window replaces its result.</summary>
    void SaveCheck(MonitoringReport report);

    /// <summary>A model's reports, oldest first; one version's, or every version's.</summary>
    IReadOnlyList<MonitoringReport> ListChecks(string model, int? version = null);

    /// <summary>Append a decision; a record with an id already stored is refused (records are never replaced).</summary>
    void SaveDecision(DecisionRecord record);

    /// <summary>A model's decisions, oldest first.</summary>
    IReadOnlyList<DecisionRecord> ListDecisions(string model);
}
