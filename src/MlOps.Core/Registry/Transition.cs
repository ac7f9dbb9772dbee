namespace MlOps.Registry;

/// <summary>
/// One change of a version's stage, as recorded in the audit trail: from/to, when, by whom, why, and the gate
/// results that allowed it. <see cref="Sequence"/> orders a model's history (assigned by the store inside the write).
/// </summary>
public sealed record Transition
{
    public required string Model { get; init; }

    public required int Version { get; init; }

    public long Sequence { get; init; }

    public ModelStage From { get; init; }

    public ModelStage To { get; init; }

    public DateTimeOffset At { get; init; }

    /// <summary>The user name, or "ci" when running under CI (CI=true).</summary>
    public string By { get; init; } = "";

    public string Reason { get; init; } = "";

    public IReadOnlyList<GateResult> Gates { get; init; } = [];
}
