namespace MlOps.Tracking;

/// <summary>A file in the artifact store, addressed by its SHA-256 and verified on every load.</summary>
public sealed record ArtifactRef(string Sha256, long Bytes, string Kind);
