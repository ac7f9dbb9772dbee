namespace MlOps.Registry;

/// <summary>
/// Where registered models, their versions, history and gate runs live. Kept to primitives (like
/// <see cref="Tracking.IRunStore"/>); the rules live in <see cref="ModelRegistry"/>. Every write is one transaction,
/// safe under several threads and processes: that is what makes "at most one Production version per model" hold.
/// </summary>
public interface IModelRegistryStore
{
    /// <summary>
    /// Add the next version of <paramref name="draft"/>.Model (its Version is ignored and assigned here, max + 1).
    /// Throws <see cref="MlOpsException"/> naming the existing version when the run is already registered under that model.
    /// </summary>
    ModelVersion AddVersion(ModelVersion draft);

    ModelVersion? FindVersion(string model, int version);

    /// <summary>Every version of a model, oldest first; empty when the model is unknown.</summary>
    IReadOnlyList<ModelVersion> ListVersions(string model);

    IReadOnlyList<ModelSummary> ListModels();

    /// <summary>Apply a stage change if its expectations still hold (false when another writer got there first).</summary>
    bool TryChangeStage(StageChange change);

    /// <summary>A model's transitions in the order they happened.</summary>
    IReadOnlyList<Transition> History(string model);

    void AddGateRun(GateRun run);

    /// <summary>Gate runs of a model (optionally one version), oldest first.</summary>
    IReadOnlyList<GateRun> GateRuns(string model, int? version = null);

    /// <summary>Point an alias at a version (moving it off any other version of the model), or remove it when version is null.</summary>
    void SetAlias(string model, string alias, int? version);
}
