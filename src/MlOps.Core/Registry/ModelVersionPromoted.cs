namespace MlOps.Registry;

/// <summary>A version changed stage (through its gates); <see cref="Displaced"/> is the Production version it replaced, if any.</summary>
public sealed record ModelVersionPromoted(Transition Transition, int? Displaced)
    : RegistryEvent(Transition.Model, Transition.Version, Transition.At, Transition.By);
