namespace MlOps.Registry;

/// <summary>A registered model at a glance: how many versions, the latest, and the one in Production (if any).</summary>
public sealed record ModelSummary(string Name, int Versions, int LatestVersion, int? ProductionVersion, DateTimeOffset UpdatedAt);
