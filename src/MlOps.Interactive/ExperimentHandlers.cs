using System.Text.RegularExpressions;
using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.ML;
using MlOps.Data;
using MlOps.Interactive.Commands;
using MlOps.Interactive.Rendering;
using MlOps.Pipeline;
using MlOps.Storage;
using MlOps.Tracking;

namespace MlOps.Interactive;

/// <summary>The #!experiment handlers: read the arguments, call the engine, render, hand the value to the next cell.</summary>
internal sealed partial class ExperimentHandlers(CSharpKernel csharp)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(300);

    public Task RunAsync(ExperimentRunCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, engine) =>
    {
        var (table, dataPath) = ResolveData(args.One("--data"));
        var options = new RunOptions
        {
            Name = args.One("--name")!,
            Data = dataPath,
            Label = args.One("--label"),
            Features = args.One("--features"),
            Categorical = args.One("--categorical"),
            Filter = args.One("--filter"),
            Trainer = args.One("--trainer"),
            Task = args.One("--task"),
            SplitBy = args.One("--split-by"),
            TestFraction = args.Double("--test-fraction"),
            Seed = args.Int("--seed"),
            ParamsFile = args.One("--params"),
            Sets = args.All("--set"),
            Force = args.Flag("--force"),
            FeatureImportance = args.Flag("--feature-importance"),
            Parallel = args.Int("--parallel"),
        };
        var request = options.ToRequest("notebook", table);

        var progress = new LiveProgress(options.Name);
        var quiet = args.Flag("--quiet");
        // Published for the submitted command (not the directive's child command) with one display id, so
        // every client, including stdio ones that follow the submission's token, sees it replaced in place.
        var displayId = Guid.NewGuid().ToString("N");
        if (!quiet)
            context.Publish(new DisplayedValueProduced(progress.Html(), context.Command, Formatted(progress.Html(), progress.Text()), displayId));
        // The engine trains on worker threads; this flow polls and redraws, so updates replace the display in place.
        var running = Task.Run(() => engine.Run(request, progress, context.CancellationToken));
        var shown = -1;
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(ProgressInterval));
            if (!quiet && progress.Version != shown)
            {
                shown = progress.Version;
                UpdateProgress(context, displayId, progress, "running");
            }
        }

        ExperimentResult result;
        try
        {
            result = await running;
        }
        catch (Exception) when (!quiet)
        {
            UpdateProgress(context, displayId, progress, "failed");
            throw;
        }

        if (!quiet)
            UpdateProgress(context, displayId, progress, result.Succeeded ? "done" : "failed");
        var details = result.Best is { } best ? engine.Details(best.Run.Id) : null;
        Show(context, HtmlReport.Result(result, details), PlainText.Result(result));
        await SetAsync(args, "lastExperiment", result);
        if (!result.Succeeded)
        {
            var failed = result.Runs.First(o => o.Run.Status == RunStatus.Failed);
            throw new MlOpsException($"{result.Runs.Count(o => o.Run.Status == RunStatus.Failed)} of {result.Runs.Count} run(s) failed; run {failed.Run.Id[..12]}: {failed.Run.Error}");
        }
    });

    public Task ListAsync(ExperimentListCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, engine) =>
    {
        if (args.Flag("--experiments"))
        {
            var experiments = engine.ListExperiments();
            Show(context, HtmlReport.Experiments(experiments), string.Join("\n", experiments.Select(e => $"{e.Name}: {e.Runs} runs, last {e.LastRunAt:yyyy-MM-dd HH:mm}")));
            await SetAsync(args, "lastExperiments", experiments);
            return;
        }
        IReadOnlyList<Run> runs;
        var metric = args.One("--sort");
        var name = args.One("--name");
        if (args.Flag("--best"))
        {
            var experiment = name ?? throw new MlOpsException("--best needs --name <experiment>: the best run is chosen within one experiment.");
            runs = engine.Best(experiment, metric) is { } b ? [b] : [];
        }
        else
        {
            runs = engine.List(new RunQuery
            {
                Experiment = name,
                Status = args.One("--status") is { } s ? ParseStatus(s) : null,
                Trainer = args.One("--trainer"),
                OrderByMetric = metric,
                Descending = metric is null || Training.TrainerCatalog.HigherIsBetter(metric),
                Limit = args.Int("--limit"),
            });
        }

        Show(context, HtmlReport.Runs(runs, BestOf(runs, metric)), PlainText.Runs(runs));
        await SetAsync(args, "lastRuns", runs);
    });

    public Task ShowAsync(ExperimentShowCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, engine) =>
    {
        var run = engine.Show(args.One("--run")!);
        Show(context, HtmlReport.Run(run, engine.Details(run.Id)), PlainText.Runs([run]));
        await SetAsync(args, "lastRun", run);
    });

    public Task CompareAsync(ExperimentCompareCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, engine) =>
    {
        var comparison = engine.Compare(args.All("--runs"), args.Flag("--all"));
        Show(context, HtmlReport.Comparison(comparison), PlainText.Comparison(comparison));
        await SetAsync(args, "lastComparison", comparison);
    });

    public Task ExportAsync(ExperimentExportCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, engine) =>
    {
        var run = engine.Show(args.One("--run")!);
        var file = args.One("--out")!;
        engine.Export(run.Id, file);
        var text = $"Exported run {run.Id} to {Path.GetFullPath(file)}";
        Show(context, $"<p>{Svg.E(text)}</p>", text);
        await SetAsync(args, "lastRun", run);
    });

    public Task ImportAsync(ExperimentImportCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, engine) =>
    {
        var run = engine.Import(args.One("--file")!);
        var text = $"Imported run {run.Id} into experiment '{run.Experiment}'";
        Show(context, $"<p>{Svg.E(text)}</p>" + HtmlReport.Runs([run], null), text);
        await SetAsync(args, "lastRun", run);
    });

    /// <summary>
    /// Reads the arguments, opens the store for this one command (another process may use it between cells),
    /// and turns an engine or file error into a failed cell with its one-paragraph message.
    /// </summary>
    private async Task Guarded(ExperimentDirectiveCommand command, KernelInvocationContext context, Func<DirectiveArguments, Experiments, Task> action)
    {
        try
        {
            var args = ReadArguments(command, csharp);
            using var store = Stores.Open(args.One("--store"));
            ExperimentKernelExtension.RememberStore(args.One("--store"));
            await action(args, new Experiments(store));
        }
        catch (Exception e) when (IsCellError(e))
        {
            context.Fail(command, message: e.Message);
        }
    }

    /// <summary>
    /// The command's arguments, with --var checked (it becomes a C# variable name) and `@csharp:name` values replaced by
    /// that C# variable's value, so a directive can take what an earlier cell computed (`--version @csharp:lastVersion`).
    /// </summary>
    internal static DirectiveArguments ReadArguments(MlOpsDirectiveCommand command, CSharpKernel csharp)
    {
        var args = command.ReadArguments().Resolve(name => csharp.TryGetValue<object>(name, out var value) ? value : null);
        if (args.One("--var") is { } name && !Identifier().IsMatch(name))
            throw new MlOpsException($"--var {name} is not a C# variable name. Use letters, digits and _ (e.g. --var best).");
        return args;
    }

    /// <summary>
    /// Errors a cell reports as its one message: the engine's, and those of the files and stores a directive names
    /// (an --out under a file, a store folder that cannot be created): a stack trace would bury the path at fault.
    /// </summary>
    internal static bool IsCellError(Exception e) => e is MlOpsException or IOException or UnauthorizedAccessException or LiteDB.LiteException;

    private Task SetAsync<T>(DirectiveArguments args, string defaultName, T value) =>
        csharp.SetValueAsync(args.One("--var") ?? defaultName, value!, typeof(T));

    /// <summary>A data argument is a C# variable when one of that name holds a DataFrame or IDataView, else a path.</summary>
    private (Table? Table, string? Path) ResolveData(string? data)
    {
        if (data is null || !Identifier().IsMatch(data) || !csharp.TryGetValue<object>(data, out var value))
            return (null, data);
        return value switch
        {
            DataFrame frame => (TableLoader.FromDataFrame(frame, data), null),
            IDataView view => (TableLoader.FromDataView(view, data), null),
            string path => (null, path),
            _ => throw new MlOpsException(
                $"--data {data} names a C# variable of type {value?.GetType().Name ?? "null"}, not a DataFrame or IDataView. Pass a DataFrame, an IDataView, or a path to a CSV file."),
        };
    }

    /// <summary>One output with HTML for notebooks and plain text for terminals and text-only viewers.</summary>
    internal static void Show(KernelInvocationContext context, string html, string text) =>
        context.Publish(new DisplayedValueProduced(html, context.Command, Formatted(html, text)));

    private static FormattedValue[] Formatted(string html, string text) =>
        [new FormattedValue(HtmlFormatter.MimeType, html), new FormattedValue(PlainTextFormatter.MimeType, text)];

    private static void UpdateProgress(KernelInvocationContext context, string displayId, LiveProgress progress, string state)
    {
        var html = progress.Html(state);
        context.Publish(new DisplayedValueUpdated(html, displayId, context.Command, Formatted(html, progress.Text(state))));
    }

    private static string? BestOf(IReadOnlyList<Run> runs, string? metric)
    {
        var scored = runs.Where(r => r.Status == RunStatus.Finished).ToList();
        if (scored.Count < 2)
            return null;
        metric ??= Training.TrainerCatalog.PrimaryMetric(Training.MlTaskNames.Parse(scored[0].Task));
        var higher = Training.TrainerCatalog.HigherIsBetter(metric);
        var withMetric = scored.Where(r => r.Metrics.ContainsKey(metric)).ToList();
        if (withMetric.Count == 0)
            return null;
        return (higher ? withMetric.MaxBy(r => r.Metrics[metric]) : withMetric.MinBy(r => r.Metrics[metric]))!.Id;
    }

    private static RunStatus ParseStatus(string status) => status.ToLowerInvariant() switch
    {
        "running" => RunStatus.Running,
        "finished" => RunStatus.Finished,
        "failed" => RunStatus.Failed,
        _ => throw new MlOpsException($"Unknown status '{status}'. Use running, finished or failed."),
    };

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    internal static partial Regex Identifier();
}
