namespace MlOps.Registry;

/// <summary>A model as one read: every version (oldest first), its audit trail and its gate runs.</summary>
public sealed record RegisteredModel(string Name, IReadOnlyList<ModelVersion> Versions, IReadOnlyList<Transition> History, IReadOnlyList<GateRun> GateRuns);
