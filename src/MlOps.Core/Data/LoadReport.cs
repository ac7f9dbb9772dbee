namespace MlOps.Data;

/// <summary>
/// What the loader had to do to read a file: repairs and skipped rows are counted, never silent.
/// </summary>
public sealed record LoadReport
{
    public static readonly LoadReport Empty = new();

    /// <summary>Files read, in order.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>Rows kept (excluding headers).</summary>
    public int Rows { get; init; }

    /// <summary>Cells whose quoting was broken and repaired (e.g. an unescaped quote inside a quoted field).</summary>
    public int RepairedCells { get; init; }

    /// <summary>Rows dropped (e.g. blank lines, or a row with the wrong number of fields when skipping is allowed).</summary>
    public int SkippedRows { get; init; }

    /// <summary>The line ending seen: "LF", "CRLF" or "CR".</summary>
    public string LineEnding { get; init; } = "LF";

    /// <summary>A few human-readable notes with file and line, e.g. "cwurData.csv line 1011: repaired quote".</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public bool IsClean => RepairedCells == 0 && SkippedRows == 0;
}
