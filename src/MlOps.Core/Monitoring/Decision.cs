namespace MlOps.Monitoring;

/// <summary>
/// What to do about a degraded model: <see cref="Code"/> 1 (retrain the deployed model on recent data), 2a (search
/// for a new model), 2b (change the data processing in production) or 3 (change the model's inputs), why, the
/// failed checks that led here, the suggested action, and whether the policy lets it run without a person.
/// </summary>
public sealed record Decision(string Code, string Reason, IReadOnlyList<string> Evidence, string Action, bool Automatic)
{
    public const string Retrain = "1", NewModel = "2a", Processing = "2b", Inputs = "3";
}

/// <summary>What happened when decision 1 was tried: the retrained version and whether it met the performance bar.</summary>
public sealed record RetrainOutcome(int? NewVersion, bool MeetsThreshold, string Detail);

/// <summary>
/// One decision as recorded for the audit trail and the catalog. Append-only: a correction (a person overrides,
/// or an action's outcome arrives) is a new record that names the one it <see cref="Supersedes"/>.
/// </summary>
public sealed record DecisionRecord
{
    public string Id { get; init; } = Guid.NewGuid().ToString("N")[..16];

    public required string Model { get; init; }

    public required int Version { get; init; }

    public required string WindowId { get; init; }

    public DateTimeOffset At { get; init; }

    public required Decision Decision { get; init; }

    /// <summary>Whether the action ran (automatic and not a dry run, or approved by a person).</summary>
    public bool Applied { get; init; }

    /// <summary>The version the action produced, if any.</summary>
    public int? NewVersion { get; init; }

    public string By { get; init; } = "";

    /// <summary>The outcome or a person's note (approved, rejected, why).</summary>
    public string Note { get; init; } = "";

    /// <summary>The id of the record this one corrects or completes.</summary>
    public string? Supersedes { get; init; }
}
