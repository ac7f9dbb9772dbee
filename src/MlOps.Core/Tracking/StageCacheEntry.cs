namespace MlOps.Tracking;

/// <summary>
/// The output of one stage execution, found again by <see cref="Key"/> = hash(inputs, parameters, code).
/// <see cref="Output"/> points at the stored result; <see cref="Facts"/> carries small results (row counts, metrics)
/// so that a fully cached run never has to open the big files.
/// </summary>
public sealed record StageCacheEntry
{
    public required string Key { get; init; }

    public required string Stage { get; init; }

    public ArtifactRef? Output { get; init; }

    public IReadOnlyDictionary<string, string> Facts { get; init; } = new Dictionary<string, string>();

    public string RunId { get; init; } = "";

    public DateTimeOffset CreatedAt { get; init; }
}
