using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;

namespace MlOps.Notebooks;

/// <summary>
/// Runs a notebook headless, as papermill does for Jupyter: every code cell in order in one in-process
/// C# kernel, outputs captured into an executed .ipynb, stop at the first failing cell.
/// </summary>
public sealed class NotebookRunner
{
    // The current directory and Console are process-wide, so runs in one process take turns.
    private static readonly SemaphoreSlim OneRunAtATime = new(1, 1);

    private static readonly HashSet<string> CSharpNames = new(StringComparer.OrdinalIgnoreCase) { "csharp", "c#", "cs" };

    /// <summary>The executed notebook goes beside the input as NAME.executed.ipynb unless an output path is given.</summary>
    public static string DefaultOutputPath(string notebookPath)
    {
        var full = Path.GetFullPath(notebookPath);
        return Path.Combine(Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full) + ".executed.ipynb");
    }

    /// <summary>
    /// The kernel cells run in: a CompositeKernel whose default child is a C# kernel named "csharp", set
    /// up as the dotnet-interactive tool sets its C# kernel (display/HTML helpers, #!set/#!share, #!import).
    /// </summary>
    public static CompositeKernel CreateKernel()
    {
        var csharp = new CSharpKernel()
            .UseKernelHelpers()
            .UseValueSharing();
        var composite = new CompositeKernel { csharp };
        composite.DefaultKernelName = csharp.Name;
        composite.UseImportMagicCommand();
        return composite;
    }

    /// <summary>
    /// Runs <paramref name="notebookPath"/> (.ipynb or .dib) and writes the executed notebook. A failing
    /// cell does not throw: it is reported in the result (and in the notebook). Throws
    /// <see cref="NotebookFormatException"/> when the input cannot be read or the parameters do not fit it.
    /// </summary>
    public async Task<NotebookRunResult> RunAsync(
        string notebookPath,
        NotebookRunOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new NotebookRunOptions();
        var clock = Stopwatch.StartNew();
        var notebook = NotebookDocument.Load(notebookPath);
        var injected = ParameterInjection.Inject(notebook, options.Parameters);
        var output = Path.GetFullPath(options.OutputPath ?? DefaultOutputPath(notebookPath));
        var workingDirectory = options.WorkingDirectory ?? Path.GetDirectoryName(Path.GetFullPath(notebookPath))!;
        if (!Directory.Exists(workingDirectory))
        {
            throw new NotebookFormatException($"Working directory '{workingDirectory}' does not exist. Create it or pass an existing directory.");
        }

        await OneRunAtATime.WaitAsync(cancellationToken);
        var previousDirectory = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = workingDirectory;
            using var kernel = CreateKernel();
            var loadError = await LoadExtensionsAsync(kernel, options);
            var startupSeconds = clock.Elapsed.TotalSeconds;

            var results = new List<CellResult>();
            var codeCells = Enumerable.Range(0, notebook.Cells.Count)
                .Where(i => NotebookDocument.IsCode((JsonObject)notebook.Cells[i]!))
                .ToArray();
            int? failedCell = null;
            var error = loadError;
            double? firstCellSeconds = null;
            var executionCount = 0;

            for (var n = 0; n < codeCells.Length; n++)
            {
                var index = codeCells[n];
                var cell = (JsonObject)notebook.Cells[index]!;
                var source = NotebookDocument.GetSource(cell);
                var isInjected = index == injected;

                if (error is not null)
                {
                    MarkSkipped(cell);
                    results.Add(new CellResult(index, CellStatus.Skipped, 0, source, null, isInjected));
                    options.Progress?.Report(new CellProgress(index, n + 1, codeCells.Length, CellStatus.Skipped, 0, null));
                    continue;
                }

                options.Progress?.Report(new CellProgress(index, n + 1, codeCells.Length, null, 0, null));
                var cellClock = Stopwatch.StartNew();
                var (outputs, cellError) = await RunCellAsync(kernel, cell, PreloadedPackages.Neutralize(source, options.PreloadedPackages), ++executionCount, cancellationToken);
                var seconds = cellClock.Elapsed.TotalSeconds;
                firstCellSeconds ??= clock.Elapsed.TotalSeconds;

                var status = cellError is null ? CellStatus.Succeeded : CellStatus.Failed;
                cell["outputs"] = outputs;
                cell["execution_count"] = executionCount;
                NotebookDocument.Metadata(cell)["mlops"] = new JsonObject
                {
                    ["status"] = status == CellStatus.Succeeded ? "succeeded" : "failed",
                    ["seconds"] = Math.Round(seconds, 3),
                };
                results.Add(new CellResult(index, status, seconds, source, cellError, isInjected));
                options.Progress?.Report(new CellProgress(index, n + 1, codeCells.Length, status, seconds, cellError));

                if (cellError is not null)
                {
                    failedCell = index;
                    error = cellError;
                }
            }

            var notebookStatus = error is null ? NotebookStatus.Succeeded : NotebookStatus.Failed;
            RecordRun(notebook, notebookStatus, options.Parameters);
            notebook.SaveAtomically(output);

            return new NotebookRunResult(
                Path.GetFullPath(notebookPath),
                notebookStatus,
                output,
                results,
                failedCell,
                error,
                startupSeconds,
                firstCellSeconds,
                clock.Elapsed.TotalSeconds);
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
            OneRunAtATime.Release();
        }
    }

    private static async Task<(JsonArray Outputs, string? Error)> RunCellAsync(
        CompositeKernel kernel, JsonObject cell, string source, int executionCount, CancellationToken cancellationToken)
    {
        if (NotebookDocument.GetKernelName(cell) is { } kernelName && !CSharpNames.Contains(kernelName))
        {
            var message =
                $"This cell is bound to the '{kernelName}' kernel, but the headless runner has only C#. " +
                "Rewrite the cell in C#, or run this notebook in VS Code Polyglot Notebooks.";
            return (new JsonArray(CellOutputs.Error(new CommandFailed(message, new SubmitCode(source), executionCount))), message);
        }

        try
        {
            var result = await kernel.SendAsync(new SubmitCode(source), cancellationToken);
            var outputs = CellOutputs.From(result.Events, executionCount);
            var failed = result.Events.OfType<CommandFailed>().FirstOrDefault();
            return (outputs, failed?.Message);
        }
        catch (OperationCanceledException)
        {
            const string message = "The run was cancelled while this cell was running.";
            return (new JsonArray(CellOutputs.Error(new CommandFailed(message, new SubmitCode(source), executionCount))), message);
        }
    }

    private static void MarkSkipped(JsonObject cell)
    {
        // Old outputs would read as results of this run: clear them.
        cell["outputs"] = new JsonArray();
        cell["execution_count"] = null;
        NotebookDocument.Metadata(cell)["mlops"] = new JsonObject { ["status"] = "skipped" };
    }

    private static void RecordRun(NotebookDocument notebook, NotebookStatus status, IReadOnlyDictionary<string, string> parameters)
    {
        if (notebook.Root["metadata"] is not JsonObject metadata)
        {
            metadata = new JsonObject();
            notebook.Root["metadata"] = metadata;
        }

        var recorded = new JsonObject();
        foreach (var (name, value) in parameters)
        {
            recorded[name] = value;
        }

        metadata["mlops"] = new JsonObject
        {
            ["status"] = status == NotebookStatus.Succeeded ? "succeeded" : "failed",
            ["parameters"] = recorded,
        };
    }

    /// <summary>
    /// Loads extensions the way dotnet-interactive does for a package's interactive-extensions/dotnet
    /// folder: each public IKernelExtension is created and OnLoadAsync gets the root CompositeKernel.
    /// Returns an error message instead of throwing, so the run still writes a notebook.
    /// </summary>
    private static async Task<string?> LoadExtensionsAsync(CompositeKernel kernel, NotebookRunOptions options)
    {
        var extensions = new List<IKernelExtension>(options.Extensions);
        foreach (var path in options.ExtensionAssemblies)
        {
            try
            {
                var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.GetFullPath(path));
                extensions.AddRange(assembly.GetExportedTypes()
                    .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IKernelExtension).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
                    .Select(t => (IKernelExtension)Activator.CreateInstance(t)!));
            }
            catch (Exception e) when (e is IOException or BadImageFormatException or ReflectionTypeLoadException or TargetInvocationException)
            {
                return $"Kernel extension assembly '{path}' could not be loaded ({e.GetType().Name}: {e.Message}). " +
                       "Check that the file exists and was built for net10.0 against Microsoft.DotNet.Interactive 1.0.0-beta.26120.1.";
            }
        }

        foreach (var extension in extensions)
        {
            try
            {
                await extension.OnLoadAsync(kernel);
            }
            catch (Exception e)
            {
                return $"Kernel extension '{extension.GetType().FullName}' failed in OnLoadAsync ({e.GetType().Name}: {e.Message}). " +
                       "No cell was run; fix the extension or run without it.";
            }
        }

        return null;
    }
}
