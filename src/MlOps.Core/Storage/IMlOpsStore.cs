using MlOps.Catalog;
using MlOps.Monitoring;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Storage;

/// <summary>
/// Everything a project keeps, behind one handle: what every surface opens with <c>--store</c>. Each backend (the
/// embedded LiteDB file, a PostgreSQL server) implements all of it, so commands never ask which one they got.
/// </summary>
public interface IMlOpsStore : IRunStore, IModelRegistryStore, IDeploymentStore, IPredictionLogStore, IMonitoringStore, ICatalogStore, IStoreTransfer
{
}

/// <summary>
/// What <c>mlops store migrate</c> needs beyond the everyday API: list the stage cache, and copy a model exactly as it
/// was (version numbers, stages, aliases, history sequence, gate runs), which the registry's own rules never allow.
/// </summary>
public interface IStoreTransfer
{
    /// <summary>Every stage cache entry, in no particular order.</summary>
    IEnumerable<StageCacheEntry> ListStages();

    /// <summary>
    /// Copy one model with its versions, history and gate runs in one transaction, keeping every number as given.
    /// Refuses (nothing written) when the model already exists in this store.
    /// </summary>
    void ImportModel(string model, IReadOnlyList<ModelVersion> versions, IReadOnlyList<Transition> history, IReadOnlyList<GateRun> gateRuns);
}
