using MlOps.Tracking;

namespace MlOps.Registry;

/// <summary>
/// Where a version came from: the registered snapshot (params, featurizer code hash, data fingerprint, artifact) and,
/// while the run store still has it, the run itself. The snapshot alone answers lineage when the run has been deleted.
/// </summary>
public sealed record ModelLineage(ModelVersion Version, Run? Run);
