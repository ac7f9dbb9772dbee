namespace MlOps.Registry;

/// <summary>Something that happened in the model registry, published in-process to <see cref="RegistryEventHub"/> subscribers.</summary>
public abstract record RegistryEvent(string Model, int Version, DateTimeOffset At, string By);
