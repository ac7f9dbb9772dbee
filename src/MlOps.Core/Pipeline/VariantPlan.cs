using MlOps.Training;
using MlOps.Tracking;

namespace MlOps.Pipeline;

/// <summary>
/// One run to execute, as planned: everything up to the split is resolved (run or found in the cache),
/// the trainer and its options are validated, and the train/evaluate keys are known.
/// </summary>
internal sealed record VariantPlan
{
    public required int Index { get; init; }
    public required int Count { get; init; }
    public required ParamSet Params { get; init; }
    public required MlTask Task { get; init; }
    public required TrainerDefinition Trainer { get; init; }
    public required IReadOnlyDictionary<string, string> Options { get; init; }
    public required int Seed { get; init; }
    public required string LoadKey { get; init; }
    public required string ValidateKey { get; init; }
    public required string FeaturizeKey { get; init; }
    public required string SplitKey { get; init; }
    public required string TrainKey { get; init; }
    public required string EvaluateKey { get; init; }
    public required IReadOnlyList<StageRecord> PreparedStages { get; init; }
    public required DataFingerprint Data { get; init; }
    public required ArtifactRef FeaturizerArtifact { get; init; }
    public required FittedFeaturizer Featurizer { get; init; }
    public required IReadOnlyList<string> Notes { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public string? AutoGroup { get; init; }
}
