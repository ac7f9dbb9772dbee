using MlOps.Tracking;

namespace MlOps.Packaging;

/// <summary>
/// The artifacts of a package folder, addressed by the SHA-256 its manifest records, so that
/// <c>ModelScorer.Load(version, store)</c> reads a package exactly as it reads a run store. Read-only.
/// </summary>
public sealed class PackageArtifactStore : IArtifactStore
{
    private readonly Dictionary<string, string> _paths;

    public PackageArtifactStore(string directory, IEnumerable<PackageFile> files)
    {
        Directory = directory;
        _paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in files)
            _paths.TryAdd(file.Sha256, Path.Combine(directory, file.Path));
    }

    public string Directory { get; }

    public ArtifactRef Put(string filePath, string kind) => throw ReadOnly();

    public ArtifactRef Put(Action<Stream> write, string kind) => throw ReadOnly();

    public bool Contains(string sha256) => _paths.ContainsKey(sha256);

    public IEnumerable<string> ListHashes() => _paths.Keys;

    public Stream OpenVerified(ArtifactRef artifact) => FileArtifactStore.Verified(OpenRead(artifact), artifact.Sha256, actual => new MlOpsException(
        $"{_paths[artifact.Sha256]} was changed after the package was written: its SHA-256 is {actual}, the manifest says {artifact.Sha256}. " +
        "Write the package again with `mlops deploy package`."));

    public Stream OpenRead(ArtifactRef artifact)
    {
        if (!_paths.TryGetValue(artifact.Sha256, out var path))
            throw new MlOpsException($"The package in {Directory} has no file with SHA-256 {artifact.Sha256} ({artifact.Kind}) in its manifest.");
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new MlOpsException($"{path} is missing from the package. Write the package again with `mlops deploy package`.", e);
        }
    }

    private static MlOpsException ReadOnly() => new("A model package is read-only: write a new one with `mlops deploy package`.");
}
