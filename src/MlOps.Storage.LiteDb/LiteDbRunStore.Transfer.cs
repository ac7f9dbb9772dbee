using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Storage.LiteDb;

/// <summary>Migration's side of the store (<see cref="IStoreTransfer"/>).</summary>
public sealed partial class LiteDbRunStore
{
    public IEnumerable<StageCacheEntry> ListStages() => throw new NotImplementedException("TODO(store migrate)");

    public void ImportModel(string model, IReadOnlyList<ModelVersion> versions, IReadOnlyList<Transition> history, IReadOnlyList<GateRun> gateRuns) =>
        throw new NotImplementedException("TODO(store migrate)");
}
