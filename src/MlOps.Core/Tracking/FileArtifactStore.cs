using System.Security.Cryptography;

namespace MlOps.Tracking;

/// <summary>
/// Content-addressed artifacts in a plain directory: <c>&lt;root&gt;/&lt;sha[0..2]&gt;/&lt;sha&gt;</c>.
/// Independent of the run database so any <see cref="IRunStore"/> backend can use it.
/// </summary>
public sealed class FileArtifactStore : IArtifactStore
{
    private const int BufferSize = 1 << 16;

    public FileArtifactStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public ArtifactRef Put(string filePath, string kind)
    {
        if (!File.Exists(filePath))
            throw new MlOpsException($"Cannot store '{filePath}' as an artifact: the file does not exist. Check the path and retry.");
        using var source = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        return Put(target => source.CopyTo(target, BufferSize), kind);
    }

    public ArtifactRef Put(Action<Stream> write, string kind)
    {
        // The temp file sits under the root (same volume) so the final move is a rename, never a copy.
        var temp = Path.Combine(Root, $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        string sha;
        long bytes;
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize))
            using (var hashing = new HashingWriteStream(file))
            {
                write(hashing);
                hashing.Flush();
                // Durable before it becomes visible under its address: a crash never leaves a truncated artifact.
                file.Flush(flushToDisk: true);
                sha = hashing.HashHex();
                bytes = hashing.Length;
                hashing.Release();
            }

            var target = PathOf(sha);
            if (File.Exists(target))
            {
                File.Delete(temp);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                try
                {
                    File.Move(temp, target, overwrite: false);
                }
                catch (IOException) when (File.Exists(target))
                {
                    // Another writer stored the same content first: same address, same bytes.
                    File.Delete(temp);
                }
            }
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        return new ArtifactRef(sha, bytes, kind);
    }

    public bool Contains(string sha256) => IsSha(sha256) && File.Exists(PathOf(sha256));

    public IEnumerable<string> ListHashes() =>
        Directory.Exists(Root)
            ? Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Select(Path.GetFileName).OfType<string>().Where(IsSha)
            : [];

    public Stream OpenVerified(ArtifactRef artifact) => Verified(OpenRead(artifact), artifact.Sha256, actual => new MlOpsException(
        $"Artifact {artifact.Sha256} in {PathOf(artifact)} is corrupted: its SHA-256 is now {actual}. " +
        "Re-run the run that produced it or restore the file."));

    /// <summary>Check that <paramref name="stream"/> hashes to <paramref name="sha256"/> and rewind it; disposes it and
    /// throws <paramref name="mismatch"/>(actual hash) otherwise. Other artifact stores verify through it too.</summary>
    internal static Stream Verified(Stream stream, string sha256, Func<string, MlOpsException> mismatch)
    {
        try
        {
            // Hash the very stream we hand out, so the check and the read see the same file.
            var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (!string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
                throw mismatch(actual);
            stream.Position = 0;
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public Stream OpenRead(ArtifactRef artifact)
    {
        var path = PathOf(artifact);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new MlOpsException(
                $"Artifact {artifact.Sha256} ({artifact.Kind}) is missing: {path} does not exist. " +
                "Re-run the run that produced it or restore the file.", e);
        }
    }

    /// <summary>Where the artifact's bytes live (whether or not the file exists).</summary>
    public string PathOf(ArtifactRef artifact) => PathOf(artifact.Sha256);

    private string PathOf(string sha256)
    {
        // Validating the address keeps a tampered record from pointing outside the store.
        if (!IsSha(sha256))
            throw new MlOpsException($"'{sha256}' is not a SHA-256 artifact address (64 hex digits). The run record is damaged; re-run it.");
        var sha = sha256.ToLowerInvariant();
        return Path.Combine(Root, sha[..2], sha);
    }

    private static bool IsSha(string value) => value.Length == 64 && value.All(char.IsAsciiHexDigit);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Hashes bytes on their way to the file so a Put reads its input once.</summary>
    private sealed class HashingWriteStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _length;

        public string HashHex() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            inner.Write(buffer);
            _length += buffer.Length;
        }

        public override void WriteByte(byte value) => Write([value]);
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        // Writers often wrap the stream (StreamWriter, BinaryWriter) and dispose it when done; the hash must
        // survive that, so it is released by Release() once Put has read it.
        protected override void Dispose(bool disposing) => inner.Flush();

        public void Release() => _hash.Dispose();
    }
}
