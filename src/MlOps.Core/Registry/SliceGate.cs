namespace MlOps.Registry;

/// <summary>
/// A minimum-slice gate: the candidate must reach <see cref="Threshold"/> on the held-out rows where
/// <see cref="Filter"/> holds (a C# expression over the model's feature names, e.g. <c>national_rank &lt;= 3</c>),
/// so a model cannot pass on average while failing a group that matters.
/// </summary>
public sealed record SliceGate(string Name, string Filter, MetricThreshold Threshold)
{
    /// <summary>Fewer matching rows than this and the slice says nothing: the gate fails and says so.</summary>
    public int MinRows { get; init; } = 10;
}
