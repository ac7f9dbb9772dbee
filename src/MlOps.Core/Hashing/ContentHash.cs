using System.Security.Cryptography;
using System.Text;

namespace MlOps.Hashing;

/// <summary>A SHA-256 content hash, lower-case hex. Cache keys, artifacts and fingerprints all use it.</summary>
public readonly record struct ContentHash(string Hex)
{
    public static ContentHash Of(ReadOnlySpan<byte> bytes) => new(Convert.ToHexStringLower(SHA256.HashData(bytes)));

    public static ContentHash Of(string text) => Of(Encoding.UTF8.GetBytes(text));

    public static ContentHash Of(Stream stream) => new(Convert.ToHexStringLower(SHA256.HashData(stream)));

    public static ContentHash OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Of(stream);
    }

    /// <summary>Hash of several parts in order; parts are length-prefixed so ("ab","c") != ("a","bc").</summary>
    public static ContentHash Combine(params string[] parts)
    {
        var builder = new StringBuilder();
        foreach (var part in parts)
            builder.Append(part.Length).Append(':').Append(part).Append('\n');
        return Of(builder.ToString());
    }

    public string Short => Hex.Length > 12 ? Hex[..12] : Hex;

    public bool IsEmpty => string.IsNullOrEmpty(Hex);

    public override string ToString() => Hex;
}
