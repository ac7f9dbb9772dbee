using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using MlOps.Catalog;
using MlOps.Interactive.Commands;
using MlOps.Interactive.Rendering;
using MlOps.Registry;
using MlOps.Server;
using MlOps.Serving;
using MlOps.Storage.LiteDb;
using MlOps.Tracking;

namespace MlOps.Interactive;

/// <summary>
/// `#!deploy serve|list|stop`: servers run inside the kernel (a notebook cell must not block), are recorded in the
/// store like the CLI's, and stop with the kernel.
/// </summary>
internal sealed class DeployHandlers(CSharpKernel csharp, NotebookDeployments deployments)
{
    public Task ServeAsync(DeployServeCommand command, KernelInvocationContext context) => Guarded(command, context, async args =>
    {
        var storePath = RunStoreLocation.Resolve(args.One("--store"));
        // The deployment keeps the store open while it follows its stage or alias, and closes it when it stops.
        var deployment = await ModelDeployment.StartAsync(LiteDbRunStore.Open(storePath), new DeploymentRequest
        {
            Model = args.One("--model")!, Stage = args.One("--stage"), Alias = args.One("--alias"), Version = args.Int("--version"),
            Host = args.One("--host") ?? "127.0.0.1", Port = args.Int("--port") ?? 0, Token = args.One("--token"),
            MaxBodyBytes = args.Int("--max-body-bytes") ?? new DeploymentRequest { Model = "" }.MaxBodyBytes,
            RefuseExtraColumns = args.Flag("--refuse-extra-columns"), Follow = !args.Flag("--no-follow"),
            PollInterval = TimeSpan.FromSeconds(args.Double("--poll-seconds") ?? 2),
            ShadowVersion = args.Int("--shadow-version"), ShadowAlias = args.One("--shadow-alias"), Source = "notebook",
        }, ownsStore: true);
        deployments.Add(deployment);
        try
        {
            using var catalog = LiteDbRunStore.Open(CatalogLocation.Resolve(null));
            new ModelCatalog(catalog).Append(ModelCatalog.Deployed(deployment.Record, CatalogFeed.ProjectOf(storePath)));
        }
        catch (Exception e) when (e is MlOpsException or IOException)
        {
            // The server runs either way; the catalog only misses this deployment.
            context.DisplayAs($"warning: the model catalog was not updated ({e.Message}).", "text/plain");
        }

        var curl = deployment.SampleCurl(args.One("--token") is null ? null : "MLOPS_SERVE_TOKEN");
        var v = deployment.Server.Scorer.Version;
        ExperimentHandlers.Show(context, DeployHtml.Started(deployment, curl),
            $"Serving '{v.Model}' v{v.Version} ({v.Stage}, sha256 {v.Artifact.Sha256[..12]}) at {deployment.Url}" +
            (deployment.Watch is { } w ? $", following {w.Selector}" : ", pinned") + $"\nSample request:\n  {curl}");
        await SetAsync(args, "lastDeployment", deployment);
    });

    public Task ListAsync(DeployListCommand command, KernelInvocationContext context) => Guarded(command, context, async args =>
    {
        IReadOnlyList<Deployment> records;
        using (var store = LiteDbRunStore.Open(RunStoreLocation.Resolve(args.One("--store"))))
            records = store.ListDeployments(args.One("--model"));
        if (!args.Flag("--all"))
            records = records.Where(r => r.IsRunning).ToList();
        var live = deployments.Running.ToDictionary(d => d.Record.Id);
        ExperimentHandlers.Show(context, DeployHtml.List(records, live), DeployText.List(records));
        await SetAsync(args, "lastDeployments", records);
    });

    public Task StopAsync(DeployStopCommand command, KernelInvocationContext context) => Guarded(command, context, async args =>
    {
        var model = args.One("--model");
        if ((model is null) == !args.Flag("--all"))
            throw new MlOpsException("#!deploy stop: give --model <name> or --all (one of them).");
        var stopped = await deployments.StopAsync(d => model is null || d.Record.Model == model);
        var lines = stopped.Select(d => $"Stopped '{d.Record.Model}' v{d.Record.Version} at {d.Record.Url}").ToList();
        // Servers of the same store started elsewhere on this machine (`mlops deploy serve`) get SIGTERM, as `mlops deploy stop` does.
        IReadOnlyList<Deployment> elsewhere;
        using (var store = LiteDbRunStore.Open(RunStoreLocation.Resolve(args.One("--store"))))
            elsewhere = store.ListDeployments(model).Where(d => d.IsRunning && stopped.All(s => s.Record.Id != d.Id)).ToList();
        foreach (var d in elsewhere)
        {
            try
            {
                ServerProcess.Terminate(d);
                lines.Add($"Stopping '{d.Model}' v{d.Version} at {d.Url} (pid {d.ProcessId})");
            }
            catch (MlOpsException e)
            {
                lines.Add(e.Message);
            }
        }
        var text = lines.Count == 0 ? $"No server of {(model is null ? "any model" : $"'{model}'")} is running." : string.Join("\n", lines);
        ExperimentHandlers.Show(context, $"<p>{Svg.E(text).Replace("\n", "<br>")}</p>", text);
        await SetAsync(args, "lastStopped", stopped.Select(d => d.Record).ToList());
    });

    private async Task Guarded(MlOpsDirectiveCommand command, KernelInvocationContext context, Func<DirectiveArguments, Task> action)
    {
        try
        {
            await action(ExperimentHandlers.ReadArguments(command, csharp));
        }
        catch (MlOpsException e)
        {
            context.Fail(command, message: e.Message);
        }
    }

    private Task SetAsync<T>(DirectiveArguments args, string defaultName, T value) =>
        csharp.SetValueAsync(args.One("--var") ?? defaultName, value!, typeof(T));
}
