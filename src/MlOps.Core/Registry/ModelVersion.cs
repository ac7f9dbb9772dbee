using MlOps.Tracking;

namespace MlOps.Registry;

/// <summary>
/// Version N of a named model: a snapshot of what its run produced (artifact, signature, metrics, params, data
/// fingerprint) taken at registration, so that later changes to the run store never change a registered version.
/// Only <see cref="Stage"/> and <see cref="Aliases"/> change afterwards, and only through the registry store.
/// </summary>
public sealed record ModelVersion
{
    public required string Model { get; init; }

    /// <summary>1, 2, ... per model; assigned by the store inside the write that adds the version.</summary>
    public int Version { get; init; }

    public required string RunId { get; init; }

    public string Experiment { get; init; } = "";

    /// <summary>binary | multiclass | regression.</summary>
    public string Task { get; init; } = "";

    public string Trainer { get; init; } = "";

    /// <summary>The ML.NET model zip (SHA-256 verified whenever it is loaded).</summary>
    public required ArtifactRef Artifact { get; init; }

    /// <summary>The fitted featurizer needed to score raw rows.</summary>
    public ArtifactRef? Featurizer { get; init; }

    public string FeaturizerCodeHash { get; init; } = "";

    /// <summary>The raw input columns the model needs.</summary>
    public IReadOnlyList<SchemaColumn> Signature { get; init; } = [];

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();

    public DataFingerprint? Data { get; init; }

    public string Description { get; init; } = "";

    public ModelStage Stage { get; init; } = ModelStage.None;

    /// <summary>Names such as "champion"; unique within a model.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    public string CreatedBy { get; init; } = "";

    /// <summary>What a registration answered, in one line (CLI and notebook text): <paramref name="reused"/> when the run was already this version.</summary>
    public string RegistrationSummary(bool reused) => reused
        ? $"Run {RunId} is already {Model} v{Version} (stage {Stage}): reused, nothing registered"
        : $"Registered run {RunId} as {Model} v{Version} (stage {Stage})";
}
