namespace MlOps.Registry;

/// <summary>
/// A recorded evaluation of a version's gates toward a stage, passed or not (a refused promotion leaves one too),
/// so that the question "who tried to ship this, and what blocked it" has an answer.
/// </summary>
public sealed record GateRun
{
    public required string Model { get; init; }

    public required int Version { get; init; }

    public ModelStage Target { get; init; }

    public DateTimeOffset At { get; init; }

    public string By { get; init; } = "";

    /// <summary>"promote", "gate" (a CI check without a transition) or "rollback".</summary>
    public string Purpose { get; init; } = "";

    public IReadOnlyList<GateResult> Results { get; init; } = [];

    public bool Passed => Results.All(r => r.Passed);
}
