using MlOps.Pipeline;
using MlOps.Tracking;

namespace MlOps.Registry;

/// <summary>
/// A version's featurized rows and its split mask (true = validation), re-created from its run's featurize and split
/// cache entries: what the gates re-score and what a package's ONNX export is checked on.
/// </summary>
internal sealed record HeldOutRows(FeatureSet Features, bool[] IsTest)
{
    public static HeldOutRows Load(IRunStore runs, ModelVersion candidate)
    {
        var run = runs.FindRun(candidate.RunId)
            ?? throw new MlOpsException($"run {candidate.RunId} of version {candidate.Version} is no longer in the store, so its held-out rows cannot be re-created.");
        string Key(string stage) => run.Stages.FirstOrDefault(s => s.Name == stage && s.Key.Length > 0)?.Key
            ?? throw new MlOpsException($"run {run.Id} did not record its {stage} stage key, so its held-out rows cannot be re-created. Re-run the experiment.");
        StageCacheEntry Entry(string stage) => runs.FindStage(Key(stage)) is { Output: not null } e ? e
            : throw new MlOpsException($"the {stage} output of run {run.Id} is not in the stage cache, so its held-out rows cannot be re-created. Re-run the experiment to restore it.");
        FeatureSet features;
        using (var stream = runs.Artifacts.OpenVerified(Entry(StageKeys.Featurize).Output!))
            features = FeatureSet.Read(stream);
        bool[] mask;
        using (var stream = runs.Artifacts.OpenVerified(Entry(StageKeys.Split).Output!))
            mask = SplitSpec.ReadMask(stream);
        if (mask.Length != features.Rows)
            throw new MlOpsException($"the split of run {run.Id} does not match its feature set ({mask.Length} vs {features.Rows} rows). Re-run the experiment with --force.");
        return new HeldOutRows(features, mask);
    }
}
