namespace MlOps.Tracking;

/// <summary>
/// One tracked execution of a pipeline: everything needed to compare it, reproduce it and trust its model.
/// Immutable; the store keeps the latest version by <see cref="Id"/>.
/// </summary>
public sealed record Run
{
    public required string Id { get; init; }

    public required string Experiment { get; init; }

    public RunStatus Status { get; init; } = RunStatus.Running;

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The one-paragraph error of a failed run.</summary>
    public string? Error { get; init; }

    /// <summary>binary | multiclass | regression.</summary>
    public string Task { get; init; } = "";

    public string Trainer { get; init; } = "";

    /// <summary>Every resolved parameter, flattened with dots (featurize.max_rank = 100).</summary>
    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();

    /// <summary>Trainer options as given by name (numberOfTrees = 100).</summary>
    public IReadOnlyDictionary<string, string> TrainerOptions { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    public IReadOnlyList<StageRecord> Stages { get; init; } = [];

    public DataFingerprint? Data { get; init; }

    /// <summary>Hash of the user-registered featurizer code (empty when only built-in steps are used).</summary>
    public string FeaturizerCodeHash { get; init; } = "";

    /// <summary>The ML.NET model zip.</summary>
    public ArtifactRef? Model { get; init; }

    /// <summary>The fitted featurizer (feature list, category maps, fill values) needed to score raw rows.</summary>
    public ArtifactRef? Featurizer { get; init; }

    /// <summary>The raw input columns the model needs, with types: its signature.</summary>
    public IReadOnlyList<SchemaColumn> Signature { get; init; } = [];

    /// <summary>Key of the last stage: two runs with the same key did the same work.</summary>
    public string RunKey { get; init; } = "";

    public string MlNetVersion { get; init; } = "";

    public string RuntimeVersion { get; init; } = "";

    /// <summary>Free-form labels: sweep group, source ("cli", "notebook"), user.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}
