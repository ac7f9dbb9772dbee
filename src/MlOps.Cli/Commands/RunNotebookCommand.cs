using System.CommandLine;
using System.Text.Json.Nodes;
using MlOps.Interactive;
using MlOps.Notebooks;

namespace MlOps.Cli.Commands;

/// <summary>
/// `mlops run NOTEBOOK`: the notebook headless (papermill-style) in an in-process C# kernel with #!experiment loaded,
/// for CI. Exit code 0 only when every cell succeeded.
/// </summary>
internal static class RunNotebookCommand
{
    /// <summary>The package a notebook references to get #!experiment; the runner has it built in.</summary>
    public const string ExtensionPackage = "MlOps.Interactive";

    public static Command Build(TextWriter output, TextWriter error)
    {
        var notebook = new Argument<string>("notebook") { Description = "The notebook to run: .ipynb or .dib." };
        var parameters = new Option<string[]>("--param")
        {
            Description = "Override a parameter of the cell tagged `parameters`: name=value. Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var outputPath = new Option<string?>("--output") { Description = "Where to write the executed notebook (default: NAME.executed.ipynb beside it)." };
        var report = new Option<string?>("--report") { Description = "Also write a JUnit XML report (one test case per cell) here." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout (for scripts); progress goes to stderr." };
        var command = new Command("run", "Run a notebook headless: every cell in order, outputs saved, stop at the first failure.")
        {
            notebook, parameters, outputPath, report, json,
        };
        command.SetAction((parse, cancellation) => RunAsync(
            parse.GetValue(notebook)!, parse.GetValue(parameters) ?? [], parse.GetValue(outputPath), parse.GetValue(report), parse.GetValue(json),
            output, error, cancellation));
        return command;
    }

    private static async Task<int> RunAsync(string notebook, string[] parameters, string? outputPath, string? report, bool json,
        TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        var values = new Dictionary<string, string>();
        foreach (var assignment in parameters)
        {
            var equals = assignment.IndexOf('=');
            if (equals <= 0)
                return Fail(notebook, $"--param {assignment} is not of the form name=value. Write e.g. --param max_rank=100.", json, output, error);
            values[assignment[..equals].Trim()] = assignment[(equals + 1)..];
        }

        using var stop = StopSignals.EndRunsOnStop(error); // a cell's training runs end as failed, not running, on Ctrl+C
        NotebookRunResult result;
        try
        {
            result = await new NotebookRunner().RunAsync(notebook, new NotebookRunOptions
            {
                Parameters = values,
                OutputPath = outputPath,
                Extensions = [new ExperimentKernelExtension()],
                PreloadedPackages = [ExtensionPackage],
                Progress = new Progress(error),
            }, cancellation);
        }
        catch (Exception e) when (e is NotebookFormatException or FileNotFoundException or DirectoryNotFoundException)
        {
            return Fail(notebook, e.Message, json, output, error);
        }

        if (report is not null)
            JUnitReport.Write(result, report);
        if (json)
            output.WriteLine(JsonShapes.Write(new JsonObject
            {
                ["notebook"] = result.Notebook,
                ["status"] = result.Status == NotebookStatus.Succeeded ? "succeeded" : "failed",
                ["output"] = result.Output,
                ["cells"] = new JsonArray(result.Cells.Select(c => (JsonNode)new JsonObject
                {
                    ["index"] = c.Index,
                    ["status"] = c.Status.ToString().ToLowerInvariant(),
                    ["seconds"] = Math.Round(c.Seconds, 3),
                }).ToArray()),
                ["failedCell"] = result.FailedCell,
                ["error"] = result.Error,
            }));
        if (result.Status == NotebookStatus.Succeeded)
        {
            error.WriteLine($"succeeded: {result.Cells.Count} cells in {result.TotalSeconds:0.0}s (first cell after {result.FirstCellSeconds:0.00}s); executed notebook: {result.Output}");
            return 0;
        }

        error.WriteLine(result.FailedCell is { } cell
            ? $"error: cell {cell} failed: {result.Error}"
            : $"error: {result.Error}");
        error.WriteLine($"executed notebook (with the error in its cell): {result.Output}");
        return 1;
    }

    private static int Fail(string notebook, string message, bool json, TextWriter output, TextWriter error)
    {
        error.WriteLine($"error: {message}");
        if (json)
            output.WriteLine(JsonShapes.Write(new JsonObject
            {
                ["notebook"] = Path.GetFullPath(notebook), ["status"] = "failed", ["output"] = null, ["cells"] = new JsonArray(),
                ["failedCell"] = null, ["error"] = message,
            }));
        return 1;
    }

    /// <summary>One line per cell on stderr (stdout stays clean for --json).</summary>
    private sealed class Progress(TextWriter error) : IProgress<CellProgress>
    {
        public void Report(CellProgress value)
        {
            var state = value.Status switch
            {
                null => "running",
                CellStatus.Succeeded => $"ok ({value.Seconds:0.00}s)",
                CellStatus.Skipped => "skipped",
                _ => $"FAILED ({value.Seconds:0.00}s): {value.Error}",
            };
            error.WriteLine($"cell {value.Number}/{value.Count} (#{value.Index}) {state}");
        }
    }
}
