using System.CommandLine;
using System.Text.Json.Nodes;
using MlOps.Server;
using MlOps.Storage;
using MlOps.Serving;

namespace MlOps.Cli.Commands;

/// <summary>`mlops deploy list` and `mlops deploy stop`: the deployments recorded in the store, from any surface.</summary>
internal static class DeployManageCommand
{
    public static Command BuildList(TextWriter output, TextWriter error)
    {
        var model = new Option<string?>("--model") { Description = "Only this model's deployments." };
        var all = new Option<bool>("--all") { Description = "Include stopped deployments." };
        var command = new Command("list", "Deployments: servers of this store (running ones, or --all), with version, URL and status.") { model, all, CommonOptions.Store, CommonOptions.Json };
        command.SetAction(parse => Guarded(error, () =>
        {
            var records = List(parse.GetValue(CommonOptions.Store), parse.GetValue(model), parse.GetValue(all));
            if (parse.GetValue(CommonOptions.Json))
                output.WriteLine(JsonShapes.Write(new JsonObject { ["deployments"] = new JsonArray(records.Select(Json).ToArray()) }));
            else if (records.Count == 0)
                output.WriteLine("No deployments." + (parse.GetValue(all) ? "" : " (--all shows stopped ones.)"));
            else
                foreach (var d in records)
                    output.WriteLine($"{d.Model} v{d.Version}  {d.Url}  {d.Selector}  {d.Source} pid {d.ProcessId}  started {d.StartedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {(d.IsRunning ? "running" : "stopped")}");
            return 0;
        }));
        return command;
    }

    public static Command BuildStop(TextWriter output, TextWriter error)
    {
        var model = new Option<string?>("--model") { Description = "The model whose servers to stop." };
        var all = new Option<bool>("--all") { Description = "Stop every running server." };
        var command = new Command("stop", "Stop running servers of a model (or --all) on this machine: SIGTERM, so each shuts down in order.") { model, all, CommonOptions.Store, CommonOptions.Json };
        command.SetAction(parse => Guarded(error, () =>
        {
            var name = parse.GetValue(model);
            if ((name is null) == !parse.GetValue(all))
                throw new MlOpsException("mlops deploy stop: give --model <name> or --all (one of them).");
            var running = List(parse.GetValue(CommonOptions.Store), name, all: false);
            foreach (var d in running)
                ServerProcess.Terminate(d);
            if (parse.GetValue(CommonOptions.Json))
                output.WriteLine(JsonShapes.Write(new JsonObject { ["stopped"] = new JsonArray(running.Select(Json).ToArray()) }));
            else
                output.WriteLine(running.Count == 0 ? "No running server to stop." : string.Join(Environment.NewLine, running.Select(d => $"Stopping '{d.Model}' v{d.Version} at {d.Url} (pid {d.ProcessId})")));
            return 0;
        }));
        return command;
    }

    private static IReadOnlyList<Deployment> List(string? storePath, string? model, bool all)
    {
        using var store = Stores.Open(storePath);
        return store.ListDeployments(model, all);
    }

    private static JsonNode Json(Deployment d) => new JsonObject
    {
        ["id"] = d.Id, ["model"] = d.Model, ["version"] = d.Version, ["url"] = d.Url, ["selector"] = d.Selector, ["source"] = d.Source,
        ["machine"] = d.Machine, ["pid"] = d.ProcessId, ["startedAt"] = d.StartedAt.ToString("O"), ["stoppedAt"] = d.StoppedAt?.ToString("O"),
        ["running"] = d.IsRunning, ["shadowVersion"] = d.ShadowVersion,
    };

    private static int Guarded(TextWriter error, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (MlOpsException e)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
