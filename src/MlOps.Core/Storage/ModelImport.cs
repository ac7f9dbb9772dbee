using MlOps.Registry;

namespace MlOps.Storage;

/// <summary>
/// What every backend's <see cref="IStoreTransfer.ImportModel"/> checks and derives, so all import alike: the records
/// must belong to the model and be numbered uniquely, and the model's counters are the ones its registry would hold
/// after the same history (latest version, last history and gate-run sequence, last version or stage change).
/// </summary>
public sealed record ModelImport(int LatestVersion, long HistorySequence, long GateSequence, DateTimeOffset UpdatedAt)
{
    /// <summary>Check the records (throws <see cref="MlOpsException"/> naming the first problem) and derive the counters.</summary>
    public static ModelImport Check(string model, IReadOnlyList<ModelVersion> versions, IReadOnlyList<Transition> history, IReadOnlyList<GateRun> gateRuns)
    {
        RegistryNames.ValidateModel(model);
        var stray = versions.Select(v => v.Model).Concat(history.Select(t => t.Model)).Concat(gateRuns.Select(g => g.Model)).FirstOrDefault(m => m != model);
        if (stray is not null)
            throw Refused(model, $"a record belongs to model '{RegistryNames.Printable(stray)}'");
        if (versions.GroupBy(v => v.Version).FirstOrDefault(g => g.Count() > 1 || g.Key < 1) is { } badVersion)
            throw Refused(model, $"version number {badVersion.Key} is {(badVersion.Key < 1 ? "not positive" : "given twice")}");
        if (history.GroupBy(t => t.Sequence).FirstOrDefault(g => g.Count() > 1 || g.Key < 1) is { } badSequence)
            throw Refused(model, $"history sequence {badSequence.Key} is {(badSequence.Key < 1 ? "not positive" : "given twice")}");
        if (versions.Count(v => v.Stage == ModelStage.Production) > 1)
            throw Refused(model, "more than one version is in Production");
        if (versions.SelectMany(v => v.Aliases).GroupBy(a => a).FirstOrDefault(g => g.Count() > 1) is { } alias)
            throw Refused(model, $"alias '{alias.Key}' is on more than one version");

        // The registry moves UpdatedAt on each new version and stage change; replayed in time order, the last is the latest.
        var updated = versions.Select(v => v.CreatedAt).Concat(history.Select(t => t.At)).DefaultIfEmpty(DateTimeOffset.MinValue).MaxBy(t => t.UtcTicks);
        return new ModelImport(versions.Select(v => v.Version).DefaultIfEmpty(0).Max(), history.Select(t => t.Sequence).DefaultIfEmpty(0).Max(), gateRuns.Count, updated);
    }

    /// <summary>The refusal when the model is already in the target store.</summary>
    public static MlOpsException Exists(string model, string location) =>
        new($"Model '{RegistryNames.Printable(model)}' already exists in {location}; an import never merges into a model. Nothing was imported.");

    private static MlOpsException Refused(string model, string why) =>
        new($"Cannot import model '{RegistryNames.Printable(model)}': {why}. Nothing was imported.");
}
