using System.Reflection;
using Microsoft.ML;
using MlOps.Hashing;
using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tracking;
using MlOps.Training;

namespace MlOps.Packaging;

/// <summary>What to package: a resolved version, the store it is read from, the folder to write, and the app to ship.</summary>
public sealed record PackageRequest
{
    public required ModelVersion Version { get; init; }

    public required IRunStore Runs { get; init; }

    public required string Output { get; init; }

    /// <summary>Replace an earlier package in <see cref="Output"/> (never a folder that is not a package).</summary>
    public bool Force { get; init; }

    /// <summary>The folder of the running mlops app, copied into app/.</summary>
    public required string AppDirectory { get; init; }

    /// <summary>Null: no ONNX export (recorded as such in the manifest).</summary>
    public IOnnxExporter? Onnx { get; init; }

    /// <summary>How many held-out rows the ONNX export is checked on.</summary>
    public int OnnxRows { get; init; } = 200;
}

public sealed record WrittenPackage(string Directory, PackageManifest Manifest, string SumsSha256, long Bytes);

/// <summary>A verified package: its manifest, the version it holds, and its files as an artifact store for <see cref="ModelScorer.Load"/>.</summary>
public sealed record OpenedPackage(string Directory, PackageManifest Manifest, ModelVersion Version, PackageArtifactStore Artifacts);

/// <summary>
/// A self-contained deployment folder for one registered version: the model, its featurizer and signature, an
/// optional checked ONNX export, the mlops server app, start scripts, a Dockerfile, a README, and a manifest with the
/// SHA-256 of every file. Written into a temp folder beside the target and renamed into place, so a failure never
/// leaves half a package.
/// </summary>
public static class ModelPackage
{
    public const string ManifestFile = "manifest.json";
    public const string SumsFile = "SHA256SUMS";
    public const string ModelFile = "model/model.zip";
    public const string FeaturizerFile = "model/featurizer.json";
    public const string SignatureFile = "model/signature.json";
    public const string OnnxFile = "model/model.onnx";

    /// <summary>Absolute on probabilities, relative to max(1, |value|) on scores: float32 trees summed in another order stay well inside it.</summary>
    public const double OnnxTolerance = 1e-4;

    public static WrittenPackage Write(PackageRequest request)
    {
        var version = request.Version;
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(request.Output));
        CheckTarget(target, request.Force);
        if (version.Featurizer is null)
            throw new MlOpsException($"'{version.Model}' v{version.Version} has no stored featurizer, so a package could not featurize raw rows. Re-run its experiment and register the new run.");
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        // Beside the target, so the final step is a rename on the same volume.
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            Copy(request.Runs.Artifacts, version.Artifact, Path.Combine(staging, ModelFile));
            Copy(request.Runs.Artifacts, version.Featurizer, Path.Combine(staging, FeaturizerFile));
            var featurizer = FittedFeaturizer.FromJson(File.ReadAllText(Path.Combine(staging, FeaturizerFile)));
            var signature = version.Signature.Count > 0 ? version.Signature : featurizer.Signature;
            File.WriteAllText(Path.Combine(staging, SignatureFile), System.Text.Json.JsonSerializer.Serialize(
                signature.Select(c => new { name = c.Name, type = c.Type }), new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            var onnx = ExportOnnx(request, Path.Combine(staging, ModelFile), Path.Combine(staging, OnnxFile));
            var frameworks = PackageApp.Copy(request.AppDirectory, Path.Combine(staging, "app"));

            var manifest = Manifest(version, signature, frameworks, onnx);
            PackageTemplates.Write(staging, manifest, featurizer);
            manifest = manifest with { Files = HashFiles(staging) };
            File.WriteAllText(Path.Combine(staging, ManifestFile), manifest.ToJson());
            var sums = manifest.Files.Append(Hash(staging, ManifestFile)).Select(f => $"{f.Sha256}  {f.Path}\n");
            File.WriteAllText(Path.Combine(staging, SumsFile), string.Concat(sums));

            // Prove the package serves as it will be served: verified, loaded, scorer built.
            var opened = Open(staging);
            ModelScorer.Load(opened.Version, opened.Artifacts).Dispose();
            var bytes = manifest.Files.Sum(f => f.Bytes);
            var sumsSha = ContentHash.OfFile(Path.Combine(staging, SumsFile)).Hex;
            MoveIntoPlace(staging, target);
            return new WrittenPackage(target, manifest, sumsSha, bytes);
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
    }

    /// <summary>Read a package's manifest and verify every file it lists; throws naming each changed or missing file.</summary>
    public static OpenedPackage Open(string directory)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var manifestPath = Path.Combine(root, ManifestFile);
        if (!File.Exists(manifestPath))
            throw new MlOpsException($"{root} is not a model package: it has no {ManifestFile}. Write one with `mlops deploy package --model <name> --out <dir>`.");
        var manifest = PackageManifest.FromJson(File.ReadAllText(manifestPath), manifestPath);
        if (manifest.Format != PackageManifest.CurrentFormat)
            throw new MlOpsException($"{manifestPath} has package format {manifest.Format}; this mlops reads format {PackageManifest.CurrentFormat}. Serve it with the app inside the package.");
        var problems = new List<string>();
        foreach (var file in manifest.Files)
        {
            var path = Path.GetFullPath(Path.Combine(root, file.Path));
            // A manifest is data from disk: it must not make serving read outside the package.
            if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                problems.Add($"{file.Path} points outside the package");
            else if (!File.Exists(path))
                problems.Add($"{file.Path} is missing");
            else if (ContentHash.OfFile(path).Hex is var actual && !string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase))
                problems.Add($"{file.Path} has SHA-256 {actual[..12]}..., the manifest says {file.Sha256[..Math.Min(12, file.Sha256.Length)]}...");
        }
        if (problems.Count > 0)
            throw new MlOpsException($"The package in {root} does not match its manifest, so it was changed after it was written: {string.Join("; ", problems)}. " +
                "Refusing to serve it. Write the package again with `mlops deploy package`, or restore the original files.");
        return new OpenedPackage(root, manifest, VersionOf(manifest), new PackageArtifactStore(root, manifest.Files));
    }

    private static void CheckTarget(string target, bool force)
    {
        if (File.Exists(target))
            throw new MlOpsException($"--out {target} is a file. Give a folder that is new or empty.");
        if (!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any())
            return;
        if (!force)
            throw new MlOpsException($"--out {target} is not empty. Give a new or empty folder, or --force to replace an earlier package there.");
        // --force replaces a package, never whatever else a mistyped path may point at.
        if (!File.Exists(Path.Combine(target, ManifestFile)))
            throw new MlOpsException($"--out {target} is not empty and is not a model package (no {ManifestFile}); --force only replaces an earlier package. Give a new or empty folder.");
    }

    private static void Copy(IArtifactStore artifacts, ArtifactRef artifact, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // OpenVerified: a store artifact changed since it was registered is refused, not shipped.
        using var source = artifacts.OpenVerified(artifact);
        using var file = File.Create(path);
        source.CopyTo(file);
    }

    private static OnnxReport ExportOnnx(PackageRequest request, string modelPath, string onnxPath)
    {
        if (request.Onnx is null)
            return OnnxReport.NotExported("no ONNX exporter was given to this packaging run.");
        HeldOutRows heldOut;
        try
        {
            heldOut = HeldOutRows.Load(request.Runs, request.Version);
        }
        catch (MlOpsException e)
        {
            return OnnxReport.NotExported($"not checked, so not exported: {e.Message}", OnnxTolerance);
        }
        var set = heldOut.Features;
        var width = set.FeatureNames.Count;
        var rows = Enumerable.Range(0, set.Rows).Where(i => heldOut.IsTest[i]).Take(request.OnnxRows).ToArray();
        if (rows.Length == 0)
            return OnnxReport.NotExported($"run {request.Version.RunId} has no held-out rows to check an export on, so none was exported.", OnnxTolerance);
        var features = new float[rows.Length * width];
        for (var r = 0; r < rows.Length; r++)
            Array.Copy(set.Values, rows[r] * width, features, r * width, width);
        var ml = new MLContext(seed: 0);
        ITransformer model;
        using (var stream = File.OpenRead(modelPath))
            model = ml.Model.Load(stream, out _);
        var report = request.Onnx.Export(ml, model, MlTaskNames.Parse(request.Version.Task), features, rows.Length, width, onnxPath);
        // A failed or disagreeing export is not shipped: the package must not carry an unchecked model.
        if (!report.Exported && File.Exists(onnxPath))
            File.Delete(onnxPath);
        return report;
    }

    private static PackageManifest Manifest(ModelVersion v, IReadOnlyList<SchemaColumn> signature, IReadOnlyList<string> frameworks, OnnxReport onnx) => new()
    {
        Model = v.Model,
        Version = v.Version,
        Stage = v.Stage.ToString(),
        Aliases = v.Aliases,
        Task = v.Task,
        Trainer = v.Trainer,
        Run = v.RunId,
        Experiment = v.Experiment,
        Description = v.Description,
        Metrics = v.Metrics,
        Params = v.Params,
        Signature = signature,
        Lineage = new PackageLineage(v.Artifact, v.Featurizer, v.FeaturizerCodeHash, v.Data, v.CreatedAt, v.CreatedBy),
        Tool = new PackageTool(PackageApp.Name, ToolVersion()),
        CreatedAt = DateTimeOffset.UtcNow,
        Runtime = new PackageRuntime(frameworks, $"dotnet app/{PackageApp.Name}.dll deploy serve --package ."),
        Onnx = onnx,
    };

    /// <summary>The registry snapshot back from the manifest, pointing at the package's own copies of the artifacts.</summary>
    private static ModelVersion VersionOf(PackageManifest m) => new()
    {
        Model = m.Model,
        Version = m.Version,
        RunId = m.Run,
        Experiment = m.Experiment,
        Task = m.Task,
        Trainer = m.Trainer,
        Artifact = m.Lineage.Artifact,
        Featurizer = m.Lineage.Featurizer,
        FeaturizerCodeHash = m.Lineage.FeaturizerCodeHash,
        Signature = m.Signature,
        Metrics = m.Metrics,
        Params = m.Params,
        Data = m.Lineage.Data,
        Description = m.Description,
        Stage = Enum.TryParse<ModelStage>(m.Stage, out var stage) ? stage : ModelStage.None,
        Aliases = m.Aliases,
        CreatedAt = m.Lineage.RegisteredAt,
        CreatedBy = m.Lineage.RegisteredBy,
    };

    private static string ToolVersion() =>
        typeof(ModelPackage).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    private static List<PackageFile> HashFiles(string root) => Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
        .Select(path => Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/'))
        .Where(path => path is not ManifestFile and not SumsFile)
        .Order(StringComparer.Ordinal)
        .Select(path => Hash(root, path))
        .ToList();

    private static PackageFile Hash(string root, string relative)
    {
        var path = Path.Combine(root, relative);
        return new PackageFile(relative, ContentHash.OfFile(path).Hex, new FileInfo(path).Length);
    }

    private static void MoveIntoPlace(string staging, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }
        // An empty folder or an earlier package (CheckTarget allowed it): set it aside, rename, then delete it.
        var old = staging + ".old";
        Directory.Move(target, old);
        try
        {
            Directory.Move(staging, target);
        }
        catch
        {
            Directory.Move(old, target);
            throw;
        }
        TryDelete(old);
    }

    private static void TryDelete(string directory)
    {
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
