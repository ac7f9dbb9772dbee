using System.Globalization;
using MlOps.Catalog;
using MlOps.Registry;

namespace MlOps.Monitoring;

/// <summary>
/// Where a monitoring loop leaves its trace: every checked window in the monitoring store (the time view) and as a
/// "monitored" catalog record, every decision appended to both. The catalog is opened only when needed, and a failed
/// catalog write never undoes the monitoring record: it is kept in <see cref="CatalogErrors"/> for a warning.
/// </summary>
public sealed class MonitoringJournal(IMonitoringStore store, Func<ICatalogStore>? catalog = null, string project = "", TimeProvider? clock = null)
{
    private readonly List<Exception> _catalogErrors = [];
    private ModelCatalog? _catalog;

    public IMonitoringStore Store { get; } = store;

    public IReadOnlyList<Exception> CatalogErrors => _catalogErrors;

    public DateTimeOffset Now => (clock ?? TimeProvider.System).GetUtcNow();

    /// <summary>Store the window's report (a re-check of the same window replaces it) and note the status in the catalog.</summary>
    public void Checked(MonitoringReport report)
    {
        Store.SaveCheck(report);
        var failed = report.Failed.ToList();
        var facts = new Dictionary<string, string>
        {
            ["status"] = report.Status, ["version"] = report.Version.ToString(CultureInfo.InvariantCulture), ["window"] = report.WindowId,
            ["rows"] = report.Rows.ToString(CultureInfo.InvariantCulture), ["failed"] = failed.Count.ToString(CultureInfo.InvariantCulture),
        };
        ToCatalog(new CatalogRecord
        {
            Kind = CatalogKinds.Monitored, Model = report.Model, Version = report.Version, Project = project, At = report.At, By = RegistryActor.Current(),
            Facts = facts, Evidence = failed.Select(c => c.Feature is null ? $"{c.Name}: {c.Detail}" : $"{c.Name} [{c.Feature}]: {c.Detail}").ToList(),
            Summary = $"v{report.Version} on window {report.WindowId}: {report.Status}" + (failed.Count > 0 ? $" ({failed.Count} check(s) failed)" : ""),
        });
    }

    /// <summary>Append a decision to the monitoring store and the catalog, with the status it leaves the model in.</summary>
    public void Decided(DecisionRecord record, string status)
    {
        Store.SaveDecision(record);
        var d = record.Decision;
        var facts = new Dictionary<string, string>
        {
            ["code"] = d.Code, ["reason"] = d.Reason, ["action"] = d.Action, ["applied"] = record.Applied ? "true" : "false",
            ["approvedBy"] = record.By.Length > 0 ? record.By : "pending", ["outcome"] = record.Note, ["status"] = status,
            ["window"] = record.WindowId, ["decisionRecord"] = record.Id,
        };
        if (record.NewVersion is { } v) facts["newVersion"] = v.ToString(CultureInfo.InvariantCulture);
        ToCatalog(new CatalogRecord
        {
            Kind = CatalogKinds.Decision, Model = record.Model, Version = record.Version, Project = project, At = record.At,
            By = record.By.Length > 0 ? record.By : RegistryActor.Current(), Facts = facts, Evidence = d.Evidence,
            Summary = $"decision {d.Code} on v{record.Version} (window {record.WindowId}): {d.Reason}; {record.Note}",
        });
    }

    private void ToCatalog(CatalogRecord record)
    {
        if (catalog is null)
            return;
        try
        {
            _catalog ??= new ModelCatalog(catalog());
            _catalog.Append(record);
        }
        catch (Exception e) // any store failure (LiteDB, IO): the catalog is a side record, never a reason to fail the check
        {
            _catalogErrors.Add(e);
        }
    }
}
