using System.Globalization;

namespace MlOps.Catalog;

/// <summary>
/// What the catalog knows about one model now: its records folded in order (a correction replaces the facts of the
/// record it corrects). Built on read, never stored, so it always agrees with the records.
/// </summary>
public sealed record CatalogEntry
{
    public required string Model { get; init; }

    public string Project { get; init; } = "";

    public string Owner { get; init; } = "";

    public string Purpose { get; init; } = "";

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyList<string> DataSources { get; init; } = [];

    /// <summary>SHA-256 fingerprints of the data each registered version was trained on.</summary>
    public IReadOnlyList<string> DataFingerprints { get; init; } = [];

    public int? ProductionVersion { get; init; }

    public int LatestVersion { get; init; }

    public string Trainer { get; init; } = "";

    public string Task { get; init; } = "";

    /// <summary>Metrics of the Production version (else the latest one), as registered.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>The gate results of the last promotion.</summary>
    public IReadOnlyDictionary<string, string> Gates { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<CatalogRecord> Deployments { get; init; } = [];

    /// <summary>healthy | degraded | acted | unknown (never monitored).</summary>
    public string MonitoringStatus { get; init; } = "unknown";

    public IReadOnlyList<CatalogRecord> Decisions { get; init; } = [];

    /// <summary>Every record, oldest first: the model's story.</summary>
    public IReadOnlyList<CatalogRecord> History { get; init; } = [];

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Fold one model's records, oldest first.</summary>
    public static CatalogEntry From(string model, IReadOnlyList<CatalogRecord> records)
    {
        // A correction's facts stand in for the corrected record's; the corrected record stays in the history.
        var corrected = records.Where(r => r.Corrects is not null).GroupBy(r => r.Corrects!).ToDictionary(g => g.Key, g => g.Last());
        string project = "", owner = "", purpose = "", trainer = "", task = "", status = "unknown";
        List<string> tags = [], sources = [], fingerprints = [];
        int? production = null;
        var latest = 0;
        var metricsByVersion = new Dictionary<int, Dictionary<string, double>>();
        IReadOnlyDictionary<string, string> gates = new Dictionary<string, string>();
        foreach (var original in records.Where(r => r.Kind != CatalogKinds.Correction))
        {
            var record = corrected.TryGetValue(original.Id, out var correction)
                ? original with { Facts = correction.Facts, Summary = correction.Summary, Evidence = correction.Evidence }
                : original;
            var facts = record.Facts;
            if (record.Project.Length > 0) project = record.Project;
            switch (record.Kind)
            {
                case CatalogKinds.Registered:
                    latest = Math.Max(latest, record.Version ?? 0);
                    trainer = facts.GetValueOrDefault("trainer", trainer);
                    task = facts.GetValueOrDefault("task", task);
                    if (owner.Length == 0) owner = record.By;
                    AddDistinct(sources, facts.GetValueOrDefault("data.source"));
                    AddDistinct(fingerprints, facts.GetValueOrDefault("data.sha256"));
                    metricsByVersion[record.Version ?? 0] = facts.Where(f => f.Key.StartsWith("metric.", StringComparison.Ordinal))
                        .ToDictionary(f => f.Key["metric.".Length..], f => double.Parse(f.Value, CultureInfo.InvariantCulture));
                    break;
                case CatalogKinds.Promoted:
                    var to = facts.GetValueOrDefault("to");
                    if (to == "Production") production = record.Version;
                    else if (production == record.Version) production = null;
                    gates = facts.Where(f => f.Key.StartsWith("gate.", StringComparison.Ordinal)).ToDictionary(f => f.Key["gate.".Length..], f => f.Value);
                    break;
                case CatalogKinds.Described:
                    owner = facts.GetValueOrDefault("owner", owner);
                    purpose = facts.GetValueOrDefault("purpose", purpose);
                    if (facts.TryGetValue("tags", out var t)) tags = Split(t);
                    foreach (var s in Split(facts.GetValueOrDefault("data.sources", ""))) AddDistinct(sources, s);
                    break;
                case CatalogKinds.Monitored:
                case CatalogKinds.Decision when facts.ContainsKey("status"):
                    status = facts.GetValueOrDefault("status", status);
                    break;
            }
        }

        var shown = production ?? latest;
        return new CatalogEntry
        {
            Model = model, Project = project, Owner = owner, Purpose = purpose, Tags = tags, DataSources = sources, DataFingerprints = fingerprints,
            ProductionVersion = production, LatestVersion = latest, Trainer = trainer, Task = task,
            Metrics = metricsByVersion.GetValueOrDefault(shown) ?? new Dictionary<string, double>(),
            Gates = gates,
            Deployments = records.Where(r => r.Kind == CatalogKinds.Deployed).ToList(),
            MonitoringStatus = status,
            Decisions = records.Where(r => r.Kind == CatalogKinds.Decision).ToList(),
            History = records,
            UpdatedAt = records.Count > 0 ? records.Max(r => r.At) : default,
        };
    }

    private static void AddDistinct(List<string> list, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value) && !list.Contains(value, StringComparer.Ordinal))
            list.Add(value);
    }

    private static List<string> Split(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
