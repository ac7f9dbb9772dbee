using System.Globalization;
using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Catalog;

/// <summary>What to look for in the catalog; every field that is set must match.</summary>
public sealed record CatalogQuery
{
    public string? Owner { get; init; }

    public string? Tag { get; init; }

    /// <summary>A monitoring status (healthy, degraded, acted, unknown) or "production" for models with a Production version.</summary>
    public string? Status { get; init; }

    /// <summary>Part of a data source path or name, e.g. "cwurData".</summary>
    public string? DataSource { get; init; }

    /// <summary>"Models trained on this data": a data fingerprint (SHA-256 or its first 8+ characters).</summary>
    public string? TrainedOn { get; init; }

    public string? Project { get; init; }
}

/// <summary>
/// The company-wide model catalog: every registered model with its owner, purpose, data, versions, gates,
/// deployments, monitoring status and the decision records that led to it. Registry events are turned into records
/// by <see cref="Attach"/>; people add descriptions and corrections; nothing is ever changed in place.
/// </summary>
public sealed class ModelCatalog(ICatalogStore store)
{
    public ICatalogStore Store { get; } = store;

    public void Append(CatalogRecord record)
    {
        RegistryNames.ValidateModel(record.Model);
        Store.AppendRecord(record);
    }

    public IReadOnlyList<CatalogEntry> Entries() =>
        Store.ReadRecords().GroupBy(r => r.Model, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => CatalogEntry.From(g.Key, g.ToList())).ToList();

    public CatalogEntry Entry(string model)
    {
        var records = Store.ReadRecords(model);
        if (records.Count == 0)
            throw new MlOpsException($"The catalog has no model '{RegistryNames.Printable(model)}'. Models enter it when they are registered (with the catalog configured: --catalog or ${CatalogLocation.Variable}); `mlops catalog list` shows those it has.");
        return CatalogEntry.From(model, records);
    }

    public IReadOnlyList<CatalogEntry> Search(CatalogQuery query) => Entries().Where(e =>
        (query.Owner is null || string.Equals(e.Owner, query.Owner, StringComparison.OrdinalIgnoreCase))
        && (query.Tag is null || e.Tags.Contains(query.Tag, StringComparer.OrdinalIgnoreCase))
        && (query.Project is null || string.Equals(e.Project, query.Project, StringComparison.OrdinalIgnoreCase))
        && (query.Status is null || (query.Status.Equals("production", StringComparison.OrdinalIgnoreCase)
            ? e.ProductionVersion is not null
            : string.Equals(e.MonitoringStatus, query.Status, StringComparison.OrdinalIgnoreCase)))
        && (query.DataSource is null || e.DataSources.Any(s => s.Contains(query.DataSource, StringComparison.OrdinalIgnoreCase)))
        && (query.TrainedOn is null || e.DataFingerprints.Any(f => f.StartsWith(query.TrainedOn, StringComparison.OrdinalIgnoreCase)))).ToList();

    /// <summary>Owner, purpose, tags and data sources, as a person states them (a new record each time).</summary>
    public CatalogRecord Describe(string model, string? owner = null, string? purpose = null, IReadOnlyList<string>? tags = null, IReadOnlyList<string>? dataSources = null)
    {
        var facts = new Dictionary<string, string>();
        if (owner is not null) facts["owner"] = owner;
        if (purpose is not null) facts["purpose"] = purpose;
        if (tags is not null) facts["tags"] = string.Join(",", tags);
        if (dataSources is not null) facts["data.sources"] = string.Join(",", dataSources);
        if (facts.Count == 0)
            throw new MlOpsException("Describe what? Give at least one of --owner, --purpose, --tag or --data-source.");
        var record = new CatalogRecord
        {
            Kind = CatalogKinds.Described, Model = model, By = RegistryActor.Current(), Facts = facts,
            Summary = "described: " + string.Join("; ", facts.Select(f => $"{f.Key} = {f.Value}")),
        };
        Append(record);
        return record;
    }

    /// <summary>Facts given as name=value assignments (the --set of `catalog correct`).</summary>
    public static IReadOnlyDictionary<string, string> ParseFacts(IEnumerable<string> assignments)
    {
        var facts = new Dictionary<string, string>();
        foreach (var assignment in assignments)
        {
            var at = assignment.IndexOf('=');
            if (at <= 0)
                throw new MlOpsException($"--set {assignment}: write name=value, e.g. --set owner=carol.");
            facts[assignment[..at].Trim()] = assignment[(at + 1)..].Trim();
        }
        return facts;
    }

    /// <summary>Correct an earlier record: the new record's facts replace the old one's in every view; both stay.</summary>
    public CatalogRecord Correct(string recordId, IReadOnlyDictionary<string, string> facts, string why)
    {
        var old = Store.ReadRecords().FirstOrDefault(r => r.Id == recordId)
            ?? throw new MlOpsException($"The catalog has no record '{recordId}'. `mlops catalog show <model> --json` lists record ids.");
        var record = new CatalogRecord
        {
            Kind = CatalogKinds.Correction, Model = old.Model, Version = old.Version, Project = old.Project, By = RegistryActor.Current(),
            Corrects = old.Id, Facts = facts, Summary = $"correction of {old.Kind} record {old.Id}: {why}", Evidence = old.Evidence,
        };
        Append(record);
        return record;
    }

    /// <summary>
    /// Record every registration and promotion published on <paramref name="events"/>. <paramref name="runs"/> lets a
    /// registration record why this run: how many runs its experiment compared and which trainers they used.
    /// </summary>
    public IDisposable Attach(RegistryEventHub events, string project, IRunStore? runs = null) => events.Subscribe(e => Record(e, project, runs));

    /// <summary>Append the record a registry event stands for (registrations and promotions; other events are ignored).</summary>
    public void Record(RegistryEvent e, string project, IRunStore? runs = null)
    {
        switch (e)
        {
            case ModelVersionRegistered registered:
                Append(Registered(registered.Registered, project, runs));
                break;
            case ModelVersionPromoted promoted:
                Append(Promoted(promoted, project));
                break;
        }
    }

    internal static CatalogRecord Registered(ModelVersion v, string project, IRunStore? runs)
    {
        var facts = new Dictionary<string, string>
        {
            ["run"] = v.RunId, ["experiment"] = v.Experiment, ["trainer"] = v.Trainer, ["task"] = v.Task,
            ["artifact.sha256"] = v.Artifact.Sha256, ["description"] = v.Description,
        };
        if (v.FeaturizerCodeHash.Length > 0) facts["featurizer.code"] = v.FeaturizerCodeHash;
        if (v.Data is { } data)
        {
            facts["data.sha256"] = data.Sha256;
            facts["data.rows"] = data.Rows.ToString(CultureInfo.InvariantCulture);
        }
        if (v.Params.TryGetValue("data.path", out var path))
            facts["data.source"] = v.Params.TryGetValue("data.file", out var file) && file.Length > 0 ? $"{path}/{file}" : path;
        foreach (var (name, value) in v.Metrics)
            facts["metric." + name] = value.ToString("R", CultureInfo.InvariantCulture);
        foreach (var (name, value) in v.Params)
            facts["param." + name] = value;
        var evidence = new List<string>();
        if (runs is not null && v.Experiment.Length > 0)
        {
            // Why this run: the experiment it was chosen from, as the catalog's decision record.
            var siblings = runs.QueryRuns(new RunQuery { Experiment = v.Experiment });
            evidence.Add($"chosen from {siblings.Count} run(s) of experiment '{v.Experiment}', trainers {string.Join(", ", siblings.Select(r => r.Trainer).Distinct())}");
            foreach (var run in siblings.Take(20))
                evidence.Add($"run {run.Id[..8]} {run.Trainer} {run.Status.ToString().ToLowerInvariant()}: {string.Join(", ", run.Metrics.OrderBy(m => m.Key).Take(4).Select(m => $"{m.Key} {m.Value:0.###}"))}");
        }
        return new CatalogRecord
        {
            Kind = CatalogKinds.Registered, Model = v.Model, Version = v.Version, Project = project, At = v.CreatedAt, By = v.CreatedBy,
            Facts = facts, Evidence = evidence,
            Summary = $"v{v.Version} registered from run {v.RunId[..Math.Min(8, v.RunId.Length)]} ({v.Trainer}" +
                (v.Metrics.Count > 0 ? ", " + string.Join(", ", v.Metrics.OrderBy(m => m.Key).Take(3).Select(m => $"{m.Key} {m.Value:0.###}")) : "") + ")",
        };
    }

    /// <summary>A server started serving a version (from any surface).</summary>
    public static CatalogRecord Deployed(MlOps.Serving.Deployment d, string project) => new()
    {
        Kind = CatalogKinds.Deployed, Model = d.Model, Version = d.Version, Project = project, At = d.StartedAt, By = RegistryActor.Current(),
        Facts = new Dictionary<string, string>
        {
            ["url"] = d.Url, ["source"] = d.Source, ["selector"] = d.Selector, ["machine"] = d.Machine, ["deployment"] = d.Id,
        },
        Summary = $"v{d.Version} served at {d.Url} ({d.Source}, {d.Selector})",
    };

    internal static CatalogRecord Promoted(ModelVersionPromoted promoted, string project)
    {
        var t = promoted.Transition;
        var facts = new Dictionary<string, string> { ["from"] = t.From.ToString(), ["to"] = t.To.ToString(), ["reason"] = t.Reason };
        if (promoted.Displaced is { } displaced) facts["displaced"] = displaced.ToString(CultureInfo.InvariantCulture);
        foreach (var gate in t.Gates)
            facts["gate." + gate.Name] = (gate.Passed ? "passed: " : "failed: ") + gate.Detail;
        return new CatalogRecord
        {
            Kind = CatalogKinds.Promoted, Model = t.Model, Version = t.Version, Project = project, At = t.At, By = t.By, Facts = facts,
            Evidence = t.Gates.Select(g => $"{(g.Passed ? "✓" : "✗")} {g.Name}: {g.Detail}").ToList(),
            Summary = $"v{t.Version} {t.From} → {t.To}: {t.Reason}",
        };
    }
}
