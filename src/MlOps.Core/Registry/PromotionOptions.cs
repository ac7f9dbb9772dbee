namespace MlOps.Registry;

/// <summary>How a promotion runs: ad-hoc gates on top of the declared ones, and what happens to the displaced Production version.</summary>
public sealed record PromotionOptions
{
    /// <summary>Ad-hoc thresholds ("auc >= 0.95"), added to the model's declared gates.</summary>
    public IReadOnlyList<string> ExtraGates { get; init; } = [];

    /// <summary>Keep the previous Production version deployable by moving it to Staging instead of Archived
    /// (there is still at most one Production version).</summary>
    public bool KeepPrevious { get; init; }

    /// <summary>Accept a signature that is not compatible with the current Production version's.</summary>
    public bool AcknowledgeSchemaChange { get; init; }

    /// <summary>A version already in the asked stage is left as it is and answered as unchanged instead of refused
    /// (re-runs of a notebook or pipeline on the same store). Its gates are not run again.</summary>
    public bool IfNeeded { get; init; }
}
