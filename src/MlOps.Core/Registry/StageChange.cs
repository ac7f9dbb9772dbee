namespace MlOps.Registry;

/// <summary>
/// A compare-and-set request for <see cref="IModelRegistryStore.TryChangeStage"/>: applied only if the version is
/// still in <see cref="ExpectedFrom"/> and the model's Production version is still <see cref="ExpectedProduction"/>
/// (what the gates were evaluated against). When <see cref="Transition"/>.To is Production, the displaced
/// Production version moves to <see cref="DisplacedTo"/> with its own history entry.
/// </summary>
public sealed record StageChange
{
    public required Transition Transition { get; init; }

    public required ModelStage ExpectedFrom { get; init; }

    public int? ExpectedProduction { get; init; }

    public ModelStage DisplacedTo { get; init; } = ModelStage.Archived;
}
