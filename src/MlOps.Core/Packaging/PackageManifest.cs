using System.Text.Json;
using System.Text.Json.Serialization;
using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Packaging;

/// <summary>
/// manifest.json of a model package: what model it holds and where it came from (the registered version's snapshot),
/// the .NET runtime it needs, the ONNX export's check, and the SHA-256 of every other file, which serving verifies at start.
/// </summary>
public sealed record PackageManifest
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    public required string Model { get; init; }

    public int Version { get; init; }

    public string Stage { get; init; } = "";

    public IReadOnlyList<string> Aliases { get; init; } = [];

    public string Task { get; init; } = "";

    public string Trainer { get; init; } = "";

    public required string Run { get; init; }

    public string Experiment { get; init; } = "";

    public string Description { get; init; } = "";

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<SchemaColumn> Signature { get; init; } = [];

    public required PackageLineage Lineage { get; init; }

    public required PackageTool Tool { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public required PackageRuntime Runtime { get; init; }

    public required OnnxReport Onnx { get; init; }

    /// <summary>Every file of the package but manifest.json and SHA256SUMS, paths relative to the package with '/'.</summary>
    public IReadOnlyList<PackageFile> Files { get; init; } = [];

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Metrics can be NaN (e.g. AUC of a one-class validation set).
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // Readable filters ("world_rank <= 100") in a file people read; it is never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static PackageManifest FromJson(string json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<PackageManifest>(json, Options)
                ?? throw new MlOpsException($"{path} is empty. Write the package again with `mlops deploy package`.");
        }
        catch (JsonException e)
        {
            throw new MlOpsException($"{path} is not a model package manifest ({e.Message}). Write the package again with `mlops deploy package`.", e);
        }
    }
}

/// <summary>Where the packaged version came from, copied from its registry snapshot.</summary>
public sealed record PackageLineage(
    ArtifactRef Artifact, ArtifactRef? Featurizer, string FeaturizerCodeHash, DataFingerprint? Data, DateTimeOffset RegisteredAt, string RegisteredBy);

public sealed record PackageTool(string Name, string Version);

/// <summary>The shared framework the app needs (e.g. Microsoft.AspNetCore.App 10.0) and the command that starts it.</summary>
public sealed record PackageRuntime(IReadOnlyList<string> Frameworks, string EntryPoint);

public sealed record PackageFile(string Path, string Sha256, long Bytes);

/// <summary>
/// Whether model/model.onnx was written and how it compares with ML.NET on held-out rows. An export that fails or
/// disagrees beyond <see cref="Tolerance"/> is not shipped; <see cref="Reason"/> then says why.
/// </summary>
public sealed record OnnxReport
{
    public bool Exported { get; init; }

    public string? File { get; init; }

    public string? Reason { get; init; }

    /// <summary>Largest allowed difference: absolute on probabilities, relative to max(1, |value|) on scores.</summary>
    public double Tolerance { get; init; }

    public double? MaxDifference { get; init; }

    public int RowsChecked { get; init; }

    /// <summary>Predicted labels equal on every checked row (null when not compared).</summary>
    public bool? LabelsEqual { get; init; }

    public string? OnnxRuntimeVersion { get; init; }

    public static OnnxReport NotExported(string reason, double tolerance = 0) => new() { Reason = reason, Tolerance = tolerance };
}
