using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using MlOps.Catalog;
using MlOps.Interactive.Commands;
using MlOps.Interactive.Rendering;
using MlOps.Storage;

namespace MlOps.Interactive;

/// <summary>`#!catalog list|show|describe|correct|export`: the company catalog, rendered with the same fragments as its HTML export.</summary>
internal sealed class CatalogHandlers(CSharpKernel csharp)
{
    public Task ListAsync(CatalogListCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, catalog) =>
    {
        var entries = catalog.Search(new CatalogQuery
        {
            Owner = args.One("--owner"), Tag = args.One("--tag"), Status = args.One("--status"), DataSource = args.One("--data-source"),
            TrainedOn = args.One("--trained-on"), Project = args.One("--project"),
        });
        ExperimentHandlers.Show(context, CatalogReport.Table(entries), entries.Count == 0
            ? "No models in the catalog match."
            : string.Join("\n", entries.Select(e => $"{e.Model} ({e.Project}, owner {e.Owner}): Production {(e.ProductionVersion is { } p ? "v" + p : "none")}, {CatalogReport.Metrics(e)}, monitoring {e.MonitoringStatus}")));
        await SetAsync(args, "lastCatalog", entries);
    });

    public Task ShowAsync(CatalogShowCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, catalog) =>
    {
        var entry = catalog.Entry(args.One("--model")!);
        ExperimentHandlers.Show(context, CatalogReport.Section(entry),
            $"{entry.Model}: Production {(entry.ProductionVersion is { } p ? "v" + p : "none")}\n" + string.Join("\n", entry.History.Select(r => $"  {r.At:u} {r.Kind} {r.By}: {r.Summary}")));
        await SetAsync(args, "lastCatalogEntry", entry);
    });

    public Task DescribeAsync(CatalogDescribeCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, catalog) =>
    {
        var record = catalog.Describe(args.One("--model")!, args.One("--owner"), args.One("--purpose"),
            args.All("--tag") is { Count: > 0 } tags ? tags : null, args.All("--data-source") is { Count: > 0 } sources ? sources : null);
        Recorded(context, record);
        await SetAsync(args, "lastCatalogRecord", record);
    });

    public Task CorrectAsync(CatalogCorrectCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, catalog) =>
    {
        var record = catalog.Correct(args.One("--record")!, ModelCatalog.ParseFacts(args.All("--set")), args.One("--reason")!);
        Recorded(context, record);
        await SetAsync(args, "lastCatalogRecord", record);
    });

    public Task ExportAsync(CatalogExportCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, catalog) =>
    {
        var path = Path.GetFullPath(args.One("--html")!);
        var entries = catalog.Entries();
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, CatalogReport.Html(entries, DateTimeOffset.UtcNow));
        File.Move(temporary, path, overwrite: true);
        ExperimentHandlers.Show(context, $"<p>Wrote <code>{Svg.E(path)}</code> ({entries.Count} model(s)).</p>", $"Wrote {path} ({entries.Count} model(s)).");
        await SetAsync(args, "lastCatalog", entries);
    });

    private static void Recorded(KernelInvocationContext context, CatalogRecord record) =>
        ExperimentHandlers.Show(context, $"<p>Recorded: {Svg.E(record.Summary)} <small>[{Svg.E(record.Id)}]</small></p>", $"Recorded: {record.Summary} [{record.Id}]");

    private async Task Guarded(MlOpsDirectiveCommand command, KernelInvocationContext context, Func<DirectiveArguments, ModelCatalog, Task> action)
    {
        try
        {
            var args = ExperimentHandlers.ReadArguments(command, csharp);
            using var store = Stores.OpenCatalog(args.One("--catalog"));
            await action(args, new ModelCatalog(store));
        }
        catch (Exception e) when (ExperimentHandlers.IsCellError(e))
        {
            context.Fail(command, message: e.Message);
        }
    }

    private Task SetAsync<T>(DirectiveArguments args, string defaultName, T value) =>
        csharp.SetValueAsync(args.One("--var") ?? defaultName, value!, typeof(T));
}
