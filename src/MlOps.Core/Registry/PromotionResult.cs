namespace MlOps.Registry;

/// <summary>
/// The outcome of a promotion: whether it happened, the version as it is now (its stage unchanged when refused),
/// the stage that was asked for, every gate's result and, when it replaced one, the displaced Production version.
/// <see cref="Unchanged"/>: the version was already in that stage and <see cref="PromotionOptions.IfNeeded"/> accepted it
/// (not promoted, not refused: nothing to do).
/// </summary>
public sealed record PromotionResult(ModelVersion Version, ModelStage Requested, bool Promoted, IReadOnlyList<GateResult> Gates, int? Displaced = null, bool Unchanged = false)
{
    /// <summary>The outcome in one line, as the CLI prints it and a notebook's text output shows it.</summary>
    public string Summary =>
        Promoted ? $"{Version.Model} v{Version.Version} is now {Version.Stage}" + (Displaced is { } d ? $" (v{d} left Production)" : "")
        : Unchanged ? $"{Version.Model} v{Version.Version} is already {Version.Stage}: nothing to do"
        : $"{Version.Model} v{Version.Version} was NOT moved to {Requested}: a gate failed (it stays {Version.Stage})";
}
