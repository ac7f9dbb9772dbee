using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using MlOps.Catalog;
using MlOps.Interactive.Commands;
using MlOps.Interactive.Rendering;
using MlOps.Monitoring;
using MlOps.Registry;
using MlOps.Storage;

namespace MlOps.Interactive;

/// <summary>
/// `#!monitor` and `#!monitor history`: the loop of `mlops monitor` (<see cref="MonitorLoop"/>), rendered as HTML with
/// a text/plain twin, the result handed to the next cell as `lastMonitoring` (or --var). A degraded window does not
/// fail the cell: it is a finding to read, not an error (the CLI's exit code 4 is for schedulers).
/// </summary>
internal sealed class MonitorHandlers(CSharpKernel csharp)
{
    private const string DefaultGateFile = "gates.yaml";

    public async Task CheckAsync(MonitorCheckCommand command, KernelInvocationContext context)
    {
        try
        {
            var args = ExperimentHandlers.ReadArguments(command, csharp);
            var gatesPath = args.One("--gates") ?? (File.Exists(DefaultGateFile) ? DefaultGateFile : null);
            using var store = Stores.Open(args.One("--store"));
            var catalog = new Lazy<IMlOpsStore>(() => Stores.OpenCatalog(args.One("--catalog")));
            MonitorResult result;
            MonitoringJournal journal;
            IReadOnlyList<Exception> failures;
            try
            {
                // As the CLI: retrained versions get their profile and enter the catalog, which the journal shares.
                using (var events = new CommandEvents(store, CatalogFeed.ProjectOf(store), () => new SharedCatalog(catalog.Value)))
                {
                    journal = new MonitoringJournal(store, () => new SharedCatalog(catalog.Value), CatalogFeed.ProjectOf(store));
                    var registry = ModelRegistry.Over(store, events.Hub, gatesPath is null ? GateFile.Empty : GateFile.Load(gatesPath));
                    result = MonitorLoop.Run(registry, store, journal, new MonitorRequest
                    {
                        Model = args.One("--model")!, Version = args.Int("--version"),
                        Data = MonitorWindow.Resolve(store, args.One("--model")!, args.One("--data"), args.Flag("--from-log"), Time(args.One("--since")), Time(args.One("--until"))),
                        Stage = args.One("--stage") is { } s ? Enum.TryParse<ModelStage>(s, ignoreCase: true, out var stage) && stage != ModelStage.None ? stage
                            : throw new MlOpsException($"Unknown stage '{RegistryNames.Printable(s)}'. Use --stage Staging, Production or Archived.") : null,
                        Apply = args.Flag("--apply"), DryRun = args.Flag("--dry-run"), WindowId = args.One("--window"), Streamed = args.Flag("--from-log"),
                    });
                    failures = events.Failures;
                }
            }
            finally
            {
                if (catalog.IsValueCreated) catalog.Value.Dispose();
            }
            foreach (var failure in failures.Concat(journal.CatalogErrors))
                context.Publish(new StandardErrorValueProduced(context.Command,
                    [new FormattedValue("text/plain", $"warning: the model catalog was not updated ({failure.Message}); check ${CatalogLocation.Variable}.\n")]));
            ExperimentHandlers.Show(context, MonitorHtml.Result(result), MonitorHtml.Text(result));
            await csharp.SetValueAsync(args.One("--var") ?? "lastMonitoring", result, typeof(MonitorResult));
        }
        catch (Exception e) when (ExperimentHandlers.IsCellError(e))
        {
            context.Fail(command, message: e.Message);
        }
    }

    public async Task HistoryAsync(MonitorHistoryCommand command, KernelInvocationContext context)
    {
        try
        {
            var args = ExperimentHandlers.ReadArguments(command, csharp);
            var model = args.One("--model")!;
            IReadOnlyList<WindowSummary> windows;
            using (var store = Stores.Open(args.One("--store")))
            {
                ModelRegistry.Over(store).Versions(model);
                windows = MonitoringTimeline.Of(store.ListChecks(model));
            }
            ExperimentHandlers.Show(context, MonitorHtml.History(model, windows), MonitorHtml.HistoryText(model, windows));
            await csharp.SetValueAsync(args.One("--var") ?? "lastMonitoringHistory", windows, typeof(IReadOnlyList<WindowSummary>));
        }
        catch (Exception e) when (ExperimentHandlers.IsCellError(e))
        {
            context.Fail(command, message: e.Message);
        }
    }

    private static DateTime? Time(string? text) =>
        text is null ? null
        : DateTime.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at
        : throw new MlOpsException($"'{text}' is not a time. Write it as 2026-11-27T08:00:00Z.");
}
