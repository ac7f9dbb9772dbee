namespace MlOps.Registry;

/// <summary>
/// The outcome of a promotion: whether it happened, the version as it is now (its stage unchanged when refused),
/// the stage that was asked for, every gate's result and, when it replaced one, the displaced Production version.
/// </summary>
public sealed record PromotionResult(ModelVersion Version, ModelStage Requested, bool Promoted, IReadOnlyList<GateResult> Gates, int? Displaced = null);
