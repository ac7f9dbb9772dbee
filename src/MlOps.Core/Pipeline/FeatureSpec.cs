namespace MlOps.Pipeline;

/// <summary>
/// How one model input is computed from a raw column: read as a number (missing -> <see cref="Fill"/>) or as a
/// category (label code, or one-hot slot). Unknown categories at scoring time map to -1 (label) or all-zero (one-hot).
/// </summary>
public sealed record FeatureSpec
{
    public required string Column { get; init; }

    /// <summary>number | category.</summary>
    public required string Kind { get; init; }

    public double Fill { get; init; }

    /// <summary>Known categories in code order (sorted), for category features.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    public bool OneHot { get; init; }

    /// <summary>Names of the model slots this feature fills.</summary>
    public IEnumerable<string> SlotNames => Kind == "category" && OneHot ? Categories.Select(c => $"{Column}={c}") : [Column];
}
