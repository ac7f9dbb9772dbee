using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using MlOps.Catalog;
using MlOps.Interactive.Commands;
using MlOps.Interactive.Rendering;
using MlOps.Registry;
using MlOps.Server;
using MlOps.Serving;
using MlOps.Storage;

namespace MlOps.Interactive;

/// <summary>
/// `#!deploy serve|list|stop`: servers run inside the kernel (a notebook cell must not block), are recorded in the
/// store like the CLI's, and stop with the kernel.
/// </summary>
internal sealed class DeployHandlers(CSharpKernel csharp, NotebookDeployments deployments)
{
    public Task ServeAsync(DeployServeCommand command, KernelInvocationContext context) => Guarded(command, context, async args =>
    {
        if (args.One("--package") is not null)
            throw new MlOpsException("A package is served by its own process: run `serve.sh` in the package folder, or `mlops deploy serve --package <dir>`. In a notebook, serve from the store with #!deploy --model <name>.");
        if (args.One("--model") is null)
            throw new MlOpsException("#!deploy serve: missing required option --model (the registered model's name).");
        // The deployment keeps the store open while it follows its stage or alias, and closes it when it stops.
        var starting = true;
        var deployment = await ModelDeployment.StartAsync(Stores.Open(args.One("--store")), new DeploymentRequest
        {
            Model = args.One("--model")!, Stage = args.One("--stage"), Alias = args.One("--alias"), Version = args.Int("--version"),
            Host = args.One("--host") ?? "127.0.0.1", Port = args.Int("--port") ?? 0, Token = args.One("--token"),
            MaxBodyBytes = args.Int("--max-body-bytes") ?? new DeploymentRequest { Model = "" }.MaxBodyBytes,
            RefuseExtraColumns = args.Flag("--refuse-extra-columns"), Follow = !args.Flag("--no-follow"),
            PollInterval = TimeSpan.FromSeconds(args.Double("--poll-seconds") ?? 2),
            ShadowVersion = args.Int("--shadow-version"), ShadowAlias = args.One("--shadow-alias"), Source = "notebook",
            LogSampleRate = args.Double("--log-sample-rate") ?? 1.0,
            Catalog = () => Stores.OpenCatalog(null),
            // Only what happens while this cell runs is shown in it (a catalog warning); later swaps are in #!deploy list.
            OnMessage = line => { if (starting) context.DisplayAs(line, "text/plain"); },
        }, ownsStore: true);
        starting = false;
        deployments.Add(deployment);

        var curl = deployment.SampleCurl(args.One("--token") is null ? null : "MLOPS_SERVE_TOKEN");
        var v = deployment.Server.Scorer.Version;
        ExperimentHandlers.Show(context, DeployHtml.Started(deployment, curl),
            $"Serving '{v.Model}' v{v.Version} ({v.Stage}, sha256 {v.Artifact.Sha256[..12]}) at {deployment.Url}" +
            (deployment.Watch is { } w ? $", following {w.Selector}" : ", pinned") + $"\nSample request:\n  {curl}");
        await SetAsync(args, "lastDeployment", deployment);
    });

    public Task BatchAsync(DeployBatchCommand command, KernelInvocationContext context) => Guarded(command, context, async args =>
    {
        using var store = Stores.Open(args.One("--store"));
        var version = ServedVersion.Resolve(ModelRegistry.Over(store), args.One("--model")!, args.One("--stage"), args.One("--alias"), args.Int("--version"));
        using var scorer = ModelScorer.Load(version, store.Artifacts);
        var (result, _) = BatchScorer.ScoreTracked(store, scorer, new BatchScoringOptions
        {
            Input = args.One("--input")!, Output = args.One("--output")!, Rejects = args.One("--rejects"),
            Keys = args.One("--key")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
        }, args.Double("--log-sample-rate") ?? 0);
        var metrics = string.Join(", ", result.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Take(6).Select(m => $"{m.Key} {m.Value:0.###}"));
        var text = $"Scored {result.Scored} of {result.Rows} rows with '{version.Model}' v{version.Version} in {result.Seconds:0.###} s ({result.RowsPerSecond:N0} rows/s) into {result.Output}; " +
            $"{result.Rejected} rejected{(result.Rejected > 0 ? $" (see {result.Rejects})" : "")}." +
            (metrics.Length > 0 ? $" On the file's labels: {metrics}." : "") + (result.RunId is { } run ? $" Recorded as run {run} of {version.Model}.scoring." : "");
        ExperimentHandlers.Show(context, $"<p>{Svg.E(text)}</p>", text);
        await SetAsync(args, "lastBatch", result);
    });

    public Task PackageAsync(DeployPackageCommand command, KernelInvocationContext context) => Guarded(command, context, async args =>
    {
        // The package's app/ is the mlops tool's own folder: present when the notebook runs under `mlops run`.
        var app = AppContext.BaseDirectory;
        if (!File.Exists(Path.Combine(app, "mlops.dll")))
            throw new MlOpsException("This kernel does not carry the mlops server app that a package ships. Run `mlops deploy package` with the same options, or run the notebook with `mlops run`.");
        using var store = Stores.Open(args.One("--store"));
        var version = ServedVersion.Resolve(ModelRegistry.Over(store), args.One("--model")!, args.One("--stage"), args.One("--alias"), args.Int("--version"));
        // ONNX Runtime ships with the CLI only (its native libraries would weigh down the extension): use it when loaded.
        var onnx = args.Flag("--no-onnx") ? null
            : Type.GetType("MlOps.Onnx.OnnxExporter, MlOps.Onnx") is { } exporter ? (MlOps.Packaging.IOnnxExporter?)Activator.CreateInstance(exporter) : null;
        var package = MlOps.Packaging.ModelPackage.Write(new MlOps.Packaging.PackageRequest
        {
            Version = version, Runs = store, Output = args.One("--out")!, Force = args.Flag("--force"), AppDirectory = app, Onnx = onnx,
        });
        var m = package.Manifest;
        var text = $"Packaged '{m.Model}' v{m.Version} into {package.Directory}: {m.Files.Count} files, {package.Bytes / (1024.0 * 1024):0.#} MB; " +
            (m.Onnx.Exported ? $"ONNX matches ML.NET on {m.Onnx.RowsChecked} rows (max difference {m.Onnx.MaxDifference:G3})" : $"no ONNX ({m.Onnx.Reason})") +
            $". Run it with {package.Directory}/serve.sh; verify with sha256sum -c SHA256SUMS.";
        ExperimentHandlers.Show(context, $"<p>{Svg.E(text)}</p>", text);
        await SetAsync(args, "lastPackage", package);
    });

    public Task ListAsync(DeployListCommand command, KernelInvocationContext context) => Guarded(command, context, async args =>
    {
        IReadOnlyList<Deployment> records;
        using (var store = Stores.Open(args.One("--store")))
            records = store.ListDeployments(args.One("--model"), args.Flag("--all"));
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
        using (var store = Stores.Open(args.One("--store")))
            elsewhere = store.ListDeployments(model, all: false).Where(d => stopped.All(s => s.Record.Id != d.Id)).ToList();
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
        catch (Exception e) when (ExperimentHandlers.IsCellError(e))
        {
            context.Fail(command, message: e.Message);
        }
    }

    private Task SetAsync<T>(DirectiveArguments args, string defaultName, T value) =>
        csharp.SetValueAsync(args.One("--var") ?? defaultName, value!, typeof(T));
}
