namespace MlOps.Catalog;

/// <summary>
/// One fact in the company-wide model catalog. Records are only ever appended: a correction is a new record whose
/// <see cref="Corrects"/> names the record it supersedes, so the catalog keeps what was believed and when.
/// </summary>
public sealed record CatalogRecord
{
    public string Id { get; init; } = Guid.NewGuid().ToString("N")[..16];

    public required string Kind { get; init; }

    public required string Model { get; init; }

    public int? Version { get; init; }

    /// <summary>The project (repository or store) the model belongs to.</summary>
    public string Project { get; init; } = "";

    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>A user name, or "ci".</summary>
    public string By { get; init; } = "";

    /// <summary>One line a manager reads in the timeline.</summary>
    public string Summary { get; init; } = "";

    /// <summary>Named facts (metric.auc, param.train.n_est, gate.auc >= 0.95, owner, reason ...).</summary>
    public IReadOnlyDictionary<string, string> Facts { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Evidence { get; init; } = [];

    /// <summary>The id of an earlier record this one corrects.</summary>
    public string? Corrects { get; init; }
}

/// <summary>The kinds of catalog records (strings, so later kinds never break older readers).</summary>
public static class CatalogKinds
{
    /// <summary>A version was registered: run, trainer, data, metrics, params, and the experiment it was chosen from.</summary>
    public const string Registered = "registered";

    /// <summary>A version changed stage: from, to, reason, gate results.</summary>
    public const string Promoted = "promoted";

    /// <summary>Owner, purpose, tags, data sources given by a person.</summary>
    public const string Described = "described";

    /// <summary>A server started serving a version.</summary>
    public const string Deployed = "deployed";

    /// <summary>A monitoring check: status, failed checks.</summary>
    public const string Monitored = "monitored";

    /// <summary>A monitoring decision (1, 2a, 2b, 3): trigger, evidence, action, who approved, outcome.</summary>
    public const string Decision = "decision";

    /// <summary>A correction of an earlier record (see <see cref="CatalogRecord.Corrects"/>).</summary>
    public const string Correction = "correction";
}
