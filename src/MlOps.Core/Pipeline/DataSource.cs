using MlOps.Data;
using MlOps.Hashing;

namespace MlOps.Pipeline;

/// <summary>
/// Where a run's data comes from, identified by content: the hash of the files' bytes (or of an in-memory table),
/// so renaming or touching a file does not invalidate the cache but changing one byte does.
/// </summary>
internal sealed record DataSource(string Name, string Hash, Func<Table> Load, string Description)
{
    /// <param name="hashFile">How a file's content hash is obtained (the runner remembers big files' hashes).</param>
    public static DataSource FromParams(ParamSet p, Func<string, string> hashFile)
    {
        var path = p.GetString("data.path");
        if (path.Length == 0)
            throw new MlOpsException("No data given. Point --data at a CSV file or a folder of CSVs (or set data.path in the params file).");
        var file = p.GetString("data.file") is { Length: > 0 } f ? f : null;
        var files = TableLoader.Files(path, file);
        var hash = ContentHash.Combine(files.SelectMany(x => new[] { Path.GetFileName(x), hashFile(x) }).ToArray()).Hex;
        var name = files.Count == 1 ? Path.GetFileNameWithoutExtension(files[0]) : Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
        return new DataSource(name, hash, () => TableLoader.Load(path, file), files.Count == 1 ? files[0] : path);
    }

    public static DataSource FromTable(Table table)
    {
        var parts = new List<string> { table.Name };
        foreach (var column in table.Columns)
        {
            parts.Add(column.Name);
            parts.Add(column.Text is not null
                ? string.Join("\u001f", column.Text.Select(t => t ?? "\u0000"))
                : Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(column.Numbers.AsSpan())));
        }
        return new DataSource(table.Name, ContentHash.Combine(parts.ToArray()).Hex, () => table, $"in-memory table '{table.Name}'");
    }
}
