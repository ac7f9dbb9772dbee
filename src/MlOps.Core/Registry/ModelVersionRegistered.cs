namespace MlOps.Registry;

/// <summary>A new version was registered (deployment and catalog listeners pick it up here).</summary>
public sealed record ModelVersionRegistered(ModelVersion Registered)
    : RegistryEvent(Registered.Model, Registered.Version, Registered.CreatedAt, Registered.CreatedBy);
