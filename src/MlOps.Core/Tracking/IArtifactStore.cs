namespace MlOps.Tracking;

/// <summary>Content-addressed files (model zips, featurized data, exports). Writes are atomic; reads verify SHA-256.</summary>
public interface IArtifactStore
{
    /// <summary>Copy a file in (temp file, then move); returns its address. Storing the same bytes twice is a no-op.</summary>
    ArtifactRef Put(string filePath, string kind);

    /// <summary>Store the bytes written by <paramref name="write"/> (same atomicity as <see cref="Put(string,string)"/>).</summary>
    ArtifactRef Put(Action<Stream> write, string kind);

    bool Contains(string sha256);

    /// <summary>The SHA-256 of every stored artifact (for migration and verification), in no particular order.</summary>
    IEnumerable<string> ListHashes();

    /// <summary>Open for reading after checking the content still hashes to <paramref name="artifact"/>.Sha256;
    /// throws <see cref="MlOpsException"/> on a mismatch or a missing file.</summary>
    Stream OpenVerified(ArtifactRef artifact);

    /// <summary>Open without re-hashing (for large cached stage outputs on the hot path).</summary>
    Stream OpenRead(ArtifactRef artifact);
}
