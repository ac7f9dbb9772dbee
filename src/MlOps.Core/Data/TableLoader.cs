using System.Runtime.CompilerServices;
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;
using nietras.SeparatedValues;

namespace MlOps.Data;

/// <summary>
/// Reads CSV files (with Sep) into a <see cref="Table"/>, surviving what real files hold: an unescaped quote
/// inside a quoted field (repaired), CR-only, LF or CRLF line endings, a BOM, blank lines (skipped). Repairs and
/// skips are counted in <see cref="LoadReport"/>; a row that cannot be read fails with file, line and column.
/// Also converts in-memory data (DataFrame, IDataView) to a table.
/// </summary>
public static class TableLoader
{
    private const int MaxNotes = 10;

    /// <summary>A CSV file, or a folder of CSVs (same header: concatenated; else pick one with <paramref name="file"/>).</summary>
    public static Table Load(string path, string? file = null)
    {
        var csvs = Files(path, file);
        if (csvs.Count == 1)
            return LoadCsv(csvs[0]);
        var tables = csvs.Select(LoadCsv).ToList();
        var header = tables[0].ColumnNames.ToList();
        var different = tables.FirstOrDefault(t => !t.ColumnNames.SequenceEqual(header));
        if (different is not null)
            throw new MlOpsException(
                $"The CSV files in '{path}' have different headers ({tables[0].Name} and {different.Name} differ), so they cannot be read as one table. " +
                $"Pick one with --set data.file=<name> (one of: {string.Join(", ", tables.Select(t => t.Name))}) or pass a file path.");
        var columns = header.Select((name, i) => new TableColumn(name, tables.SelectMany(t => t.Columns[i].Text!).ToArray())).ToList();
        var report = new LoadReport
        {
            Files = tables.SelectMany(t => t.Report.Files).ToList(),
            Rows = tables.Sum(t => t.RowCount),
            RepairedCells = tables.Sum(t => t.Report.RepairedCells),
            SkippedRows = tables.Sum(t => t.Report.SkippedRows),
            LineEnding = tables[0].Report.LineEnding,
            Notes = tables.SelectMany(t => t.Report.Notes).Take(MaxNotes).ToList(),
        };
        return new Table(Path.GetFileName(Path.TrimEndingDirectorySeparator(path)), columns, report);
    }

    /// <summary>The files <see cref="Load"/> reads for <paramref name="path"/> and <paramref name="file"/>, checked to exist.</summary>
    public static IReadOnlyList<string> Files(string path, string? file = null)
    {
        if (File.Exists(path))
            return [path];
        if (!Directory.Exists(path))
            throw new MlOpsException(
                $"Data path '{path}' does not exist (working directory: {Environment.CurrentDirectory}). Point --data at a CSV file or a folder of CSV files.");
        var csvs = Directory.GetFiles(path, "*.csv").OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (csvs.Count == 0)
            throw new MlOpsException($"Folder '{path}' holds no .csv files. Point --data at a CSV file or a folder of them.");
        if (file is null)
            return csvs;
        var match = csvs.FirstOrDefault(c =>
            string.Equals(Path.GetFileName(c), file, StringComparison.OrdinalIgnoreCase) ||
            string.Equals(Path.GetFileNameWithoutExtension(c), file, StringComparison.OrdinalIgnoreCase));
        return match is not null
            ? [match]
            : throw new MlOpsException(
                $"File '{file}' is not in '{path}'. Its CSV files are: {string.Join(", ", csvs.Select(Path.GetFileNameWithoutExtension))}. Pick one with --set data.file=<name>.");
    }

    public static Table LoadCsv(string path)
    {
        var scan = new CsvScan(path);
        var values = Scan(scan, int.MaxValue).FirstOrDefault() ?? throw scan.NoRows();
        if (scan.Skipped > 0)
            scan.Notes.Add($"{scan.FileName}: {scan.Skipped} blank line(s) skipped");
        var columns = scan.Header!.Select((h, i) => new TableColumn(h, values[i].ToArray())).ToList();
        return new Table(scan.Name, columns, new LoadReport
        {
            Files = [path], Rows = values[0].Count, RepairedCells = scan.Repaired, SkippedRows = scan.Skipped, LineEnding = scan.LineEnding, Notes = scan.Notes,
        });
    }

    /// <summary>
    /// A CSV file as tables of at most <paramref name="rows"/> rows each, read as they are consumed, so a file larger
    /// than memory can be processed piece by piece. Cells are read exactly as <see cref="LoadCsv"/> reads them; the
    /// pieces carry no load report. The file is checked (exists, not empty) before the first piece is asked for.
    /// </summary>
    public static IEnumerable<Table> LoadCsvChunks(string path, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        var scan = new CsvScan(path);
        return Pieces();

        IEnumerable<Table> Pieces()
        {
            var any = false;
            foreach (var values in Scan(scan, rows))
            {
                any = true;
                yield return new Table(scan.Name, scan.Header!.Select((h, i) => new TableColumn(h, values[i].ToArray())).ToList());
            }
            if (!any)
                throw scan.NoRows();
        }
    }

    /// <summary>One read of a CSV file: checked on creation, then its header and counts as <see cref="Scan"/> goes.</summary>
    private sealed class CsvScan
    {
        public CsvScan(string path)
        {
            if (!File.Exists(path))
                throw new MlOpsException($"Data file '{path}' does not exist. Check the path (relative paths start at {Environment.CurrentDirectory}).");
            Path = path;
            Name = System.IO.Path.GetFileNameWithoutExtension(path);
            FileName = System.IO.Path.GetFileName(path);
            if (new FileInfo(path).Length == 0)
                throw new MlOpsException($"Data file '{FileName}' is empty (0 bytes). Point --data at a CSV file with a header line and data rows.");
            LineEnding = DetectLineEnding(path);
        }

        public string Path { get; }
        public string Name { get; }
        public string FileName { get; }
        public string LineEnding { get; }
        public List<string>? Header { get; set; }
        public int Repaired { get; set; }
        public int Skipped { get; set; }
        public List<string> Notes { get; } = [];

        public MlOpsException NoRows() =>
            new($"Data file '{FileName}' has a header but no data rows. Point --data at a file with at least one data row.");
    }

    /// <summary>The data rows of <paramref name="scan"/>'s file as columns of cells, <paramref name="rows"/> rows at a time.</summary>
    private static IEnumerable<List<string?>[]> Scan(CsvScan scan, int rows)
    {
        var fileName = scan.FileName;
        // The header is read as the first row, not by Sep: Sep throws a bare ArgumentException on a duplicate column
        // name before CheckHeader could say which file and what to do.
        using var reader = Sep.Reader(o => o with { HasHeader = false, Unescape = false, DisableColCountCheck = true, DisableQuotesParsing = false }).FromFile(scan.Path);
        List<string>? header = null;
        var values = Array.Empty<List<string?>>();
        foreach (var row in reader)
        {
            if (header is null)
            {
                header = [];
                for (var c = 0; c < row.ColCount; c++)
                    header.Add(Unquote(row[c].ToString()));
                CheckHeader(header, fileName);
                scan.Header = header;
                values = header.Select(_ => new List<string?>()).ToArray();
                continue;
            }
            if (row.ColCount == 1 && row.Span.Trim().IsEmpty)
            {
                scan.Skipped++;
                continue;
            }
            if (row.ColCount != header.Count)
                throw new MlOpsException(
                    $"{fileName} line {row.LineNumberFrom}, column {Math.Min(row.ColCount, header.Count) + 1}: expected {header.Count} fields as in the header, found {row.ColCount}. " +
                    "Quote fields that contain commas (\"a, b\") or fix that line.");
            for (var c = 0; c < header.Count; c++)
            {
                var cell = Cell(row[c].Span, out var wasRepaired);
                if (wasRepaired)
                {
                    scan.Repaired++;
                    if (scan.Notes.Count < MaxNotes)
                        scan.Notes.Add($"{fileName} line {row.LineNumberFrom}, column {c + 1}: repaired an unescaped quote in {row[c].ToString()}");
                }
                values[c].Add(cell);
            }
            if (values[0].Count == rows)
            {
                yield return values;
                values = header.Select(_ => new List<string?>(rows)).ToArray();
            }
        }
        if (header is not null && values[0].Count > 0)
            yield return values;
    }

    internal static void CheckHeader(List<string> header, string fileName)
    {
        var empty = header.FindIndex(string.IsNullOrWhiteSpace);
        if (empty >= 0 && header.Count > 1)
            throw new MlOpsException($"{fileName} line 1, column {empty + 1}: the header has an empty column name. Name every column in the header line.");
        var duplicate = header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new MlOpsException($"{fileName} line 1: the header names column '{duplicate.Key}' twice. Give every column a distinct name.");
    }

    /// <summary>
    /// The cell's value: surrounding quotes removed and "" unescaped. A quoted cell with a lone quote inside
    /// (<c>"Piedmont "Amedeo Avogadro""</c>) is broken quoting: its inner quotes are kept as written.
    /// </summary>
    internal static string? Cell(ReadOnlySpan<char> raw, out bool repaired)
    {
        repaired = false;
        var trimmed = raw.Trim();
        if (trimmed.IsEmpty)
            return null;
        if (trimmed.Length < 2 || trimmed[0] != '"' || trimmed[^1] != '"')
            return trimmed.ToString();
        var inner = trimmed[1..^1];
        if (inner.IndexOf('"') < 0)
            return inner.Length == 0 ? null : inner.ToString();
        var unescaped = new System.Text.StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            if (inner[i] != '"')
            {
                unescaped.Append(inner[i]);
                continue;
            }
            if (i + 1 < inner.Length && inner[i + 1] == '"')
            {
                unescaped.Append('"');
                i++;
                continue;
            }
            repaired = true;
            break;
        }
        return repaired ? inner.ToString() : unescaped.ToString();
    }

    internal static string Unquote(string name) => Cell(name, out _) ?? "";

    /// <summary>LF, CRLF or CR (old Mac files), from the first line break.</summary>
    private static string DetectLineEnding(string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[64 * 1024];
        var read = stream.Read(buffer);
        var cr = Array.IndexOf(buffer, (byte)'\r', 0, read);
        var lf = Array.IndexOf(buffer, (byte)'\n', 0, read);
        if (cr >= 0 && (lf < 0 || cr < lf))
            return cr + 1 < read && buffer[cr + 1] == '\n' ? "CRLF" : "CR";
        return "LF";
    }

    /// <summary>A DataFrame from C#: numeric (and bool) columns become numbers, the rest text.</summary>
    public static Table FromDataFrame(DataFrame frame, string name = "dataframe") => FromDataView(frame, name);

    /// <summary>An IDataView from C#: numeric (and bool) columns become numbers, text stays text; vectors are refused.</summary>
    public static Table FromDataView(IDataView view, string name = "dataview")
    {
        var columns = new List<TableColumn>();
        foreach (var column in view.Schema.Where(c => !c.IsHidden))
        {
            var type = column.Type;
            if (type is VectorDataViewType)
                throw new MlOpsException($"Column '{column.Name}' of '{name}' is a vector; tables need one value per cell. Flatten it into separate columns first.");
            columns.Add(type.RawType == typeof(ReadOnlyMemory<char>)
                ? new TableColumn(column.Name, view.GetColumn<ReadOnlyMemory<char>>(column).Select(v => v.IsEmpty ? null : v.ToString()).ToArray())
                : new TableColumn(column.Name, Numbers(view, column)));
        }
        if (columns.Count == 0 || columns[0].Length == 0)
            throw new MlOpsException($"The in-memory data '{name}' has no rows. Give it at least one row.");
        return new Table(name, columns, new LoadReport { Rows = columns[0].Length });
    }

    private static double[] Numbers(IDataView view, DataViewSchema.Column column)
    {
        var t = column.Type.RawType;
        if (t == typeof(float)) return view.GetColumn<float>(column).Select(v => (double)v).ToArray();
        if (t == typeof(double)) return view.GetColumn<double>(column).ToArray();
        if (t == typeof(int)) return view.GetColumn<int>(column).Select(v => (double)v).ToArray();
        if (t == typeof(long)) return view.GetColumn<long>(column).Select(v => (double)v).ToArray();
        if (t == typeof(short)) return view.GetColumn<short>(column).Select(v => (double)v).ToArray();
        if (t == typeof(byte)) return view.GetColumn<byte>(column).Select(v => (double)v).ToArray();
        if (t == typeof(uint)) return view.GetColumn<uint>(column).Select(v => (double)v).ToArray();
        if (t == typeof(ulong)) return view.GetColumn<ulong>(column).Select(v => (double)v).ToArray();
        if (t == typeof(bool)) return view.GetColumn<bool>(column).Select(v => v ? 1.0 : 0.0).ToArray();
        throw new MlOpsException($"Column '{column.Name}' has type {column.Type}, which tables cannot hold. Convert it to a number or text first.");
    }
}
