using System.Collections.Concurrent;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Directives;
using MlOps.Interactive.Commands;
using MlOps.Interactive.Rendering;
using MlOps.Monitoring;
using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Storage.LiteDb;
using MlOps.Tracking;
using MlOps.Training;

namespace MlOps.Interactive;

/// <summary>
/// Adds `#!experiment run|list|show|compare|export|import` and the registry directives (`#!register`, `#!promote`,
/// `#!rollback`, `#!gate`, `#!models ...`) to the C# kernel. dotnet-interactive creates it from the
/// package's interactive-extensions/dotnet folder; `mlops run` loads it in-process.
/// </summary>
public sealed class ExperimentKernelExtension : IKernelExtension
{
    public Task OnLoadAsync(Kernel kernel)
    {
        // dotnet-interactive passes the root CompositeKernel; the directive belongs on its C# child.
        var csharp = kernel as CSharpKernel
            ?? kernel.FindKernelByName("csharp") as CSharpKernel
            ?? throw new InvalidOperationException("#!experiment needs a C# kernel named 'csharp'. Load MlOps.Interactive in a .NET Interactive session with C#.");

        // Results are handed to the next cell as typed variables, and --data takes a DataFrame or IDataView
        // variable: the script must know those types (in the runner nothing else brings them in).
        csharp.AddAssemblyReferences(new[]
        {
            typeof(Experiments).Assembly, typeof(LiteDbRunStore).Assembly, typeof(MlOps.Storage.Stores).Assembly, typeof(Microsoft.Data.Analysis.DataFrame).Assembly,
            typeof(Microsoft.ML.IDataView).Assembly, typeof(Microsoft.ML.MLContext).Assembly, typeof(MlOps.Server.ModelServer).Assembly,
            // Calling a served model from the next cell: HttpClient and its JSON helpers.
            typeof(System.Net.Http.HttpClient).Assembly, typeof(System.Net.Http.Json.JsonContent).Assembly, typeof(System.Text.Json.JsonElement).Assembly,
        }.Select(a => a.Location).Where(l => l.Length > 0).Distinct());

        // Values reaching C# code render as they did in the directive's output when displayed again.
        Formatter.Register<ExperimentResult>((result, writer) => writer.Write(HtmlReport.Result(result, null)), HtmlFormatter.MimeType);
        Formatter.Register<RunComparison>((comparison, writer) => writer.Write(HtmlReport.Comparison(comparison)), HtmlFormatter.MimeType);
        Formatter.Register<PromotionResult>((result, writer) => writer.Write(RegistryHtml.Promotion(result)), HtmlFormatter.MimeType);
        Formatter.Register<RegisteredModel>((model, writer) => writer.Write(RegistryHtml.Model(model)), HtmlFormatter.MimeType);
        Formatter.Register<MlOps.Catalog.CatalogEntry>((entry, writer) => writer.Write(MlOps.Catalog.CatalogReport.Section(entry)), HtmlFormatter.MimeType);

        var handlers = new ExperimentHandlers(csharp);
        var subcommands = DeclareGroup<ExperimentUsageCommand>(csharp, ExperimentSyntax.Directive, "Run, browse, compare and share ML.NET experiments (the options of `mlops experiment`).", ExperimentSyntax.Subcommands);
        csharp.AddDirective<ExperimentRunCommand>(subcommands["run"], handlers.RunAsync);
        csharp.AddDirective<ExperimentListCommand>(subcommands["list"], handlers.ListAsync);
        csharp.AddDirective<ExperimentShowCommand>(subcommands["show"], handlers.ShowAsync);
        csharp.AddDirective<ExperimentCompareCommand>(subcommands["compare"], handlers.CompareAsync);
        csharp.AddDirective<ExperimentExportCommand>(subcommands["export"], handlers.ExportAsync);
        csharp.AddDirective<ExperimentImportCommand>(subcommands["import"], handlers.ImportAsync);

        // The registry: one directive per CLI verb (#!register, #!promote, #!rollback, #!gate), and #!models with the
        // subcommands of `mlops models`.
        var registry = new RegistryHandlers(csharp);
        csharp.AddDirective<RegisterModelCommand>(Declare(RegistrySyntax.Register), registry.RegisterAsync);
        csharp.AddDirective<PromoteModelCommand>(Declare(RegistrySyntax.Promote), registry.PromoteAsync);
        csharp.AddDirective<RollbackModelCommand>(Declare(RegistrySyntax.Rollback), registry.RollbackAsync);
        csharp.AddDirective<GateModelCommand>(Declare(RegistrySyntax.Gate), registry.GateAsync);
        var models = DeclareGroup<ModelsUsageCommand>(csharp, RegistrySyntax.Models, "Browse registered models, move aliases, follow lineage (the options of `mlops models`).", RegistrySyntax.ModelsSubcommands);
        csharp.AddDirective<ModelsListCommand>(models["list"], registry.ListAsync);
        csharp.AddDirective<ModelsShowCommand>(models["show"], registry.ShowAsync);
        csharp.AddDirective<ModelsAliasCommand>(models["alias"], registry.AliasAsync);
        csharp.AddDirective<ModelsUnaliasCommand>(models["unalias"], registry.UnaliasAsync);
        csharp.AddDirective<ModelsLineageCommand>(models["lineage"], registry.LineageAsync);
        csharp.AddDirective<ModelsTrainedOnCommand>(models["trained-on"], registry.TrainedOnAsync);

        // #!monitor [check] checks a window (and acts with --apply); #!monitor history draws the time view.
        var monitor = new MonitorHandlers(csharp);
        var monitorSubcommands = MonitorSyntax.All.ToDictionary(s => s.Name, Declare);
        var monitorRoot = new KernelActionDirective(MonitorSyntax.Directive, "Check deployed models on new data, decide 1/2a/2b/3 and act (the options of `mlops monitor`).")
        {
            Subcommands = monitorSubcommands.Values.ToList(),
        };
        foreach (var parameter in Declare(MonitorSyntax.Check, requireOptions: false).Parameters.ToList())
            monitorRoot.Parameters.Add(parameter);
        csharp.AddDirective<MonitorCheckCommand>(monitorRoot, monitor.CheckAsync);
        csharp.AddDirective<MonitorCheckCommand>(monitorSubcommands["check"], monitor.CheckAsync);
        csharp.AddDirective<MonitorHistoryCommand>(monitorSubcommands["history"], monitor.HistoryAsync);
        Formatter.Register<MonitorResult>((result, writer) => writer.Write(MonitorHtml.Result(result)), HtmlFormatter.MimeType);

        // #!deploy: servers live in the kernel and stop with it.
        var running = new NotebookDeployments();
        kernel.RegisterForDisposal(running);
        var deploy = new DeployHandlers(csharp, running);
        var deploySubcommands = DeploySyntax.All.ToDictionary(s => s.Name, Declare);
        var deployRoot = new KernelActionDirective(DeploySyntax.Directive, "Serve registered models over HTTP, list and stop deployments (the options of `mlops deploy`).")
        {
            Subcommands = deploySubcommands.Values.ToList(),
        };
        // `#!deploy --model m` (no subcommand) serves: the root takes serve's options too.
        // Not required at the root: the kernel would then demand --model on `#!deploy list` too; DirectiveLine checks it.
        foreach (var parameter in Declare(DeploySyntax.Serve, requireOptions: false).Parameters.ToList())
            deployRoot.Parameters.Add(parameter);
        csharp.AddDirective<DeployServeCommand>(deployRoot, deploy.ServeAsync);
        csharp.AddDirective<DeployServeCommand>(deploySubcommands["serve"], deploy.ServeAsync);
        csharp.AddDirective<DeployBatchCommand>(deploySubcommands["batch"], deploy.BatchAsync);
        csharp.AddDirective<DeployPackageCommand>(deploySubcommands["package"], deploy.PackageAsync);
        csharp.AddDirective<DeployListCommand>(deploySubcommands["list"], deploy.ListAsync);
        csharp.AddDirective<DeployStopCommand>(deploySubcommands["stop"], deploy.StopAsync);

        // #!catalog: the company catalog.
        var catalogHandlers = new CatalogHandlers(csharp);
        var catalog = DeclareGroup<CatalogUsageCommand>(csharp, CatalogSyntax.Directive, "The company-wide model catalog (the options of `mlops catalog`).", CatalogSyntax.All);
        csharp.AddDirective<CatalogListCommand>(catalog["list"], catalogHandlers.ListAsync);
        csharp.AddDirective<CatalogShowCommand>(catalog["show"], catalogHandlers.ShowAsync);
        csharp.AddDirective<CatalogDescribeCommand>(catalog["describe"], catalogHandlers.DescribeAsync);
        csharp.AddDirective<CatalogCorrectCommand>(catalog["correct"], catalogHandlers.CorrectAsync);
        csharp.AddDirective<CatalogExportCommand>(catalog["export"], catalogHandlers.ExportAsync);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A directive whose subcommands are the specs (#!models list, #!catalog show ...): declared on the kernel, returned
    /// by name. The directive itself answers a line without a known subcommand with the usage.
    /// </summary>
    private static Dictionary<string, KernelActionDirective> DeclareGroup<TUsage>(CSharpKernel csharp, string directive, string description, IEnumerable<SubcommandSpec> specs)
        where TUsage : DirectiveUsageCommand
    {
        var subcommands = specs.ToDictionary(s => s.Name, Declare);
        csharp.AddDirective<TUsage>(new KernelActionDirective(directive, description) { Subcommands = subcommands.Values.ToList() }, UsageAsync);
        return subcommands;
    }

    private static Task UsageAsync(DirectiveUsageCommand command, KernelInvocationContext context)
    {
        try
        {
            // Parsing the line throws the usage: "Unknown subcommand 'frob'." or "#!experiment needs a subcommand."
            DirectiveLine.For(command, command.Directive);
            context.Fail(command, message: $"{command.Directive} needs a subcommand: {string.Join(", ", DirectiveSyntax.Of(command.Directive).Select(s => s.Name))}.");
        }
        catch (MlOpsException e)
        {
            context.Fail(command, message: e.Message);
        }

        return Task.CompletedTask;
    }

    private static KernelActionDirective Declare(SubcommandSpec spec) => Declare(spec, requireOptions: true);

    private static KernelActionDirective Declare(SubcommandSpec spec, bool requireOptions)
    {
        // A verb directive is declared under its full name (#!promote); a subcommand under its own (run).
        var directive = new KernelActionDirective(spec.IsVerb ? spec.Directive : spec.Name, spec.Description);
        foreach (var option in spec.AllOptions)
        {
            var parameter = new KernelDirectiveParameter(option.Name, option.Description)
            {
                Flag = option.Flag,
                Required = option.Required && requireOptions,
                AllowImplicitName = option.Positional,
                // More than one is read by DirectiveLine; the kernel's parser would reject the second one.
                MaxOccurrences = option.Repeatable ? 100 : 1,
            };
            switch (option.Name)
            {
                case "--trainer":
                    parameter.AddCompletions(TrainerNames);
                    break;
                case "--task":
                    parameter.AddCompletions(() => Enum.GetValues<MlTask>().Select(t => t.ToName()));
                    break;
                case "--name" when spec.Directive == ExperimentSyntax.Directive:
                case "--experiment":
                    parameter.AddCompletions(ExperimentNames);
                    break;
                case "--stage":
                    parameter.AddCompletions(() => ["Staging", "Production", "Archived"]);
                    break;
                case "--status":
                    parameter.AddCompletions(() => ["running", "finished", "failed"]);
                    break;
            }

            directive.Parameters.Add(parameter);
        }

        return directive;
    }

    internal static IEnumerable<string> TrainerNames() =>
        Enum.GetValues<MlTask>().SelectMany(TrainerCatalog.Names).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).Prepend("auto");

    /// <summary>
    /// Local store folders #!experiment was pointed at with --store in this process. The completion callback cannot
    /// see the line being typed, so a notebook that names its store completes from the stores its cells used.
    /// </summary>
    private static readonly ConcurrentDictionary<string, bool> UsedStores = new();

    internal static void RememberStore(string? location)
    {
        if (location is not null && !location.Contains("://", StringComparison.Ordinal))
            UsedStores.TryAdd(Path.GetFullPath(location), true);
    }

    /// <summary>
    /// Experiments in the default store and in the stores used so far; none from a store that cannot be opened
    /// (completion must never fail the editor). Only local stores are read: a server may be slow or down, and
    /// completion never waits on the network.
    /// </summary>
    internal static IEnumerable<string> ExperimentNames()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var location in UsedStores.Keys.Prepend(null))
        {
            try
            {
                var folder = location ?? RunStoreLocation.Resolve(null);
                if (!Directory.Exists(folder))
                    continue;
                using var store = MlOps.Storage.Stores.OpenAt(folder);
                names.UnionWith(store.ListExperiments().Select(e => e.Name));
            }
            catch (Exception e) when (ExperimentHandlers.IsCellError(e))
            {
            }
        }

        return names;
    }
}
