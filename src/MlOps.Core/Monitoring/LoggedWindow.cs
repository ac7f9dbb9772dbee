using System.Globalization;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Monitoring;

/// <summary>
/// A monitoring window taken from the prediction log instead of a file: the inputs a model was asked about in a time
/// range, written as a CSV (no labels: the checks estimate performance instead) so the loop treats it like any window.
/// Streamed: the log is read page by page and never held in memory.
/// </summary>
public static class LoggedWindow
{
    /// <summary>Write the window to <paramref name="directory"/> and return its path; fails when nothing was logged in the range.</summary>
    public static string Export(IPredictionLogStore log, string model, string directory, DateTime? from = null, DateTime? to = null, string source = "serve")
    {
        // The model name becomes part of a file name: a safe name only, so "../x" can never write outside the folder.
        Registry.RegistryNames.ValidateModel(model);
        Directory.CreateDirectory(directory);
        var stamp = (from ?? DateTime.MinValue).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "-" + (to ?? DateTime.UtcNow).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var path = Path.Combine(directory, $"{model}.{source}.{stamp}.csv");
        var rows = 0;
        IReadOnlyList<string>? columns = null;
        using (var writer = new StreamWriter(path))
        {
            foreach (var prediction in log.ReadPredictions(model, null, source, from, to))
            {
                // The first record fixes the columns; later ones missing a column leave its cell empty (missing).
                if (columns is null)
                {
                    columns = prediction.Inputs.Keys.ToList();
                    writer.WriteLine(string.Join(",", columns.Select(Quote)));
                }
                writer.WriteLine(string.Join(",", columns.Select(c => Quote(Text(prediction.Inputs.GetValueOrDefault(c))))));
                rows++;
            }
        }
        if (rows == 0)
        {
            File.Delete(path);
            throw new MlOpsException($"The prediction log has no '{source}' predictions of '{model}'{Range(from, to)}. Serve the model with logging on (`mlops deploy serve --log-sample-rate 1`), or widen --since/--until.");
        }
        return path;
    }

    private static string Range(DateTime? from, DateTime? to) =>
        from is null && to is null ? "" : $" between {from?.ToString("u", CultureInfo.InvariantCulture) ?? "the start"} and {to?.ToString("u", CultureInfo.InvariantCulture) ?? "now"}";

    private static string? Text(object? cell) => cell switch
    {
        null => null,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => cell.ToString(),
    };

    private static string Quote(string? cell) =>
        cell is null ? "" : cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + cell.Replace("\"", "\"\"") + "\"" : cell;
}

/// <summary>The window a monitor command names: its --data file, or (--from-log) a window exported from the prediction log.</summary>
public static class MonitorWindow
{
    public static string Resolve(Tracking.IRunStore store, string model, string? data, bool fromLog, DateTime? since, DateTime? until)
    {
        if (fromLog == (data is not null))
            throw new MlOpsException("Give the window with --data <csv> or --from-log (served predictions), one of them.");
        if (!fromLog)
            return data!;
        var log = store as IPredictionLogStore ?? throw new MlOpsException($"The store {store.Location} keeps no prediction log; give --data <csv>.");
        return LoggedWindow.Export(log, model, Directory(store.Location), since?.ToUniversalTime(), until?.ToUniversalTime());
    }

    /// <summary>
    /// Where exported windows are kept: the window is also what an automatic retrain reads and what a reviewer opens.
    /// Beside an embedded store's file. A server store's location is a URL, not a folder, and its artifact directory
    /// is shared by the team, while a window is this client's working file: it goes to the working directory's .mlops
    /// folder (created if needed), where the embedded store would be.
    /// </summary>
    public static string Directory(string storeLocation) =>
        Uri.TryCreate(storeLocation, UriKind.Absolute, out var uri) && !uri.IsFile
            ? Path.Combine(Path.GetFullPath(".mlops"), "windows")
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(storeLocation)) ?? ".", "windows");
}
