using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using MlOps.Interactive.Commands;
using MlOps.Interactive.Rendering;
using MlOps.Catalog;
using MlOps.Monitoring;
using MlOps.Registry;
using MlOps.Storage;
using MlOps.Tracking;

namespace MlOps.Interactive;

/// <summary>
/// The registry directive handlers (#!register, #!promote, #!rollback, #!gate, #!models ...): read the arguments, call
/// <see cref="ModelRegistry"/>, render, hand the value to the next cell. A refused promotion or a failing gate check
/// fails the cell after showing the gates, as the CLI exits non-zero.
/// </summary>
internal sealed class RegistryHandlers(CSharpKernel csharp)
{
    // The CLI's default: a gates.yaml in the working directory (the runner's is the notebook's folder).
    private const string DefaultGateFile = "gates.yaml";

    public Task RegisterAsync(RegisterModelCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, registry) =>
    {
        var best = args.Flag("--best");
        if (best == (args.One("--run") is not null))
            throw new MlOpsException("Give either --run <id> or --best --experiment <name> [--metric <m>], not both and not neither.");
        var (model, reuse) = (args.One("--model")!, args.Flag("--reuse"));
        bool reused;
        var version = best
            ? registry.RegisterBest(args.One("--experiment") ?? "", args.One("--metric"), model, args.One("--description"), reuse, out reused)
            : registry.Register(args.One("--run")!, model, args.One("--description"), reuse, out reused);
        ExperimentHandlers.Show(context, RegistryHtml.Registered(version, reused), version.RegistrationSummary(reused));
        await SetAsync(args, "lastVersion", version);
    });

    public Task PromoteAsync(PromoteModelCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, registry) =>
    {
        var result = registry.Promote(args.One("--model")!, args.Int("--version")!.Value, ParseStage(args.One("--stage")), args.One("--reason")!,
            new PromotionOptions
            {
                ExtraGates = args.All("--gate"), KeepPrevious = args.Flag("--keep-previous"), AcknowledgeSchemaChange = args.Flag("--accept-schema-change"),
                IfNeeded = args.Flag("--if-needed"),
            });
        await Promotion(args, context, result);
    });

    public Task RollbackAsync(RollbackModelCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, registry) =>
        await Promotion(args, context, registry.Rollback(args.One("--model")!, args.One("--reason")!)));

    public Task GateAsync(GateModelCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, registry) =>
    {
        var (model, version) = (args.One("--model")!, args.Int("--version")!.Value);
        var target = args.One("--stage") is { } s ? ParseStage(s) : ModelStage.Production;
        var results = registry.CheckGates(model, version, target,
            new PromotionOptions { ExtraGates = args.All("--gate"), AcknowledgeSchemaChange = args.Flag("--accept-schema-change") });
        var passed = results.All(r => r.Passed);
        ExperimentHandlers.Show(context, RegistryHtml.GateCheck(model, version, target, results),
            $"{model} v{version} toward {target}: {(passed ? "all gates passed" : "a gate FAILED")}\n{RegistryText.Gates(results)}");
        await SetAsync(args, "lastGates", results);
        if (!passed)
            throw new MlOpsException($"{model} v{version} fails its gates toward {target}: {Failed(results)}.");
    });

    public Task ListAsync(ModelsListCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, registry) =>
    {
        var models = registry.Models();
        ExperimentHandlers.Show(context, RegistryHtml.Models(models), models.Count == 0
            ? "No registered models."
            : string.Join("\n", models.Select(m => $"{m.Name}: {m.Versions} version(s), Production: {(m.ProductionVersion is { } p ? "v" + p : "none")}")));
        await SetAsync(args, "lastModels", models);
    });

    public Task ShowAsync(ModelsShowCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, registry) =>
    {
        var model = registry.Describe(args.One("--name")!);
        ExperimentHandlers.Show(context, RegistryHtml.Model(model), RegistryText.Model(model));
        await SetAsync(args, "lastModel", model);
    });

    public Task AliasAsync(ModelsAliasCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, registry) =>
    {
        var alias = args.One("--alias")!;
        var version = registry.SetAlias(args.One("--model")!, alias, args.Int("--version")!.Value);
        ExperimentHandlers.Show(context, $"<p>{Svg.E($"{version.Model}@{alias} -> v{version.Version}")}</p>" + RegistryHtml.Versions([version]),
            $"{version.Model}@{alias} -> v{version.Version}");
        await SetAsync(args, "lastVersion", version);
    });

    public Task UnaliasAsync(ModelsUnaliasCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, registry) =>
    {
        var (model, alias) = (args.One("--model")!, args.One("--alias")!);
        var had = registry.Versions(model).FirstOrDefault(v => v.Aliases.Contains(alias, StringComparer.Ordinal))?.Version;
        registry.RemoveAlias(model, alias);
        var text = had is { } v ? $"{model}@{alias} removed (was v{v})" : $"{model} had no alias '{alias}'";
        ExperimentHandlers.Show(context, $"<p>{Svg.E(text)}</p>", text);
        await SetAsync(args, "lastModel", registry.Describe(model));
    });

    public Task LineageAsync(ModelsLineageCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, registry) =>
    {
        var lineage = registry.Lineage(args.One("--model")!, args.Int("--version")!.Value);
        ExperimentHandlers.Show(context, RegistryHtml.Lineage(lineage), RegistryText.Lineage(lineage));
        await SetAsync(args, "lastLineage", lineage);
    });

    public Task TrainedOnAsync(ModelsTrainedOnCommand command, KernelInvocationContext context) => Guarded(command, context, async (args, registry) =>
    {
        var versions = registry.TrainedOn(args.One("--data")!);
        ExperimentHandlers.Show(context, RegistryHtml.Versions(versions), versions.Count == 0
            ? "No registered version was trained on this data."
            : string.Join("\n", versions.Select(v => $"{v.Model} v{v.Version} ({v.Stage}) run {v.RunId}")));
        await SetAsync(args, "lastVersions", versions);
    });

    private async Task Promotion(DirectiveArguments args, KernelInvocationContext context, PromotionResult result)
    {
        ExperimentHandlers.Show(context, RegistryHtml.Promotion(result), RegistryText.Promotion(result));
        // Set before failing: the next cell can still inspect why it was refused.
        await SetAsync(args, "lastPromotion", result);
        if (!result.Promoted && !result.Unchanged)
            throw new MlOpsException(
                $"{result.Version.Model} v{result.Version.Version} was not moved to {result.Requested}: {Failed(result.Gates)}. It stays {result.Version.Stage}.");
    }

    private static string Failed(IEnumerable<GateResult> gates) =>
        string.Join("; ", gates.Where(g => !g.Passed).Select(g => $"gate '{g.Name}' failed ({g.Detail})"));

    /// <summary>Opens the store and gate file for this one command, as the CLI does, and turns an MlOpsException into a failed cell.</summary>
    private async Task Guarded(MlOpsDirectiveCommand command, KernelInvocationContext context, Func<DirectiveArguments, ModelRegistry, Task> action)
    {
        try
        {
            var args = ExperimentHandlers.ReadArguments(command, csharp);
            var gatesPath = args.One("--gates") ?? (File.Exists(DefaultGateFile) ? DefaultGateFile : null);
            var gates = gatesPath is null ? GateFile.Empty : GateFile.Load(gatesPath);
            using var store = Stores.Open(args.One("--store"));
            // As the CLI: its own events, profiles at registration, the company catalog.
            using var events = new CommandEvents(store, CatalogFeed.ProjectOf(store), () => Stores.OpenCatalog(null));
            await action(args, ModelRegistry.Over(store, events.Hub, gates));
            foreach (var failure in events.Failures)
                context.Publish(new StandardErrorValueProduced(context.Command,
                    [new FormattedValue("text/plain", $"warning: the model catalog was not updated ({failure.Message}). The registry change itself is done; check ${CatalogLocation.Variable}.\n")]));
        }
        catch (Exception e) when (ExperimentHandlers.IsCellError(e))
        {
            context.Fail(command, message: e.Message);
        }
    }

    private static ModelStage ParseStage(string? stage) => stage?.Trim().ToLowerInvariant() switch
    {
        "staging" => ModelStage.Staging,
        "production" => ModelStage.Production,
        "archived" => ModelStage.Archived,
        _ => throw new MlOpsException($"Unknown stage '{RegistryNames.Printable(stage ?? "")}'. Use --stage Staging, Production or Archived."),
    };

    private Task SetAsync<T>(DirectiveArguments args, string defaultName, T value) =>
        csharp.SetValueAsync(args.One("--var") ?? defaultName, value!, typeof(T));
}
