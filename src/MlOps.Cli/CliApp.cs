using System.CommandLine;
using MlOps.Cli.Commands;

namespace MlOps.Cli;

/// <summary>Builds the command tree. Writers are injected so tests can run the CLI in-process.</summary>
public static class CliApp
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("mlops: the ML lifecycle from notebooks and CI (experiments, tracking, stage cache, model registry).");
        root.Subcommands.Add(ExperimentCommand.Build(output, error));
        root.Subcommands.Add(RunNotebookCommand.Build(output, error));
        root.Subcommands.Add(RegisterCommand.Build(output, error));
        root.Subcommands.Add(PromoteCommand.Build(output, error));
        root.Subcommands.Add(PromoteCommand.BuildRollback(output, error));
        root.Subcommands.Add(ModelsCommand.Build(output, error));
        root.Subcommands.Add(GateCommand.Build(output, error));
        root.Subcommands.Add(DeployCommand.Build(output, error));
        root.Subcommands.Add(CatalogCommand.Build(output, error));
        root.Subcommands.Add(MonitorCommand.Build(output, error));
        root.Subcommands.Add(StoreCommand.Build(output, error));
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors)
                error.WriteLine($"error: {e.Message}");
            error.WriteLine("Run with --help to see the options.");
            // A script that asked for --json reads stdout: a usage error is one {"error"} object there too.
            if (args.Contains("--json"))
                output.WriteLine(JsonShapes.Write(new System.Text.Json.Nodes.JsonObject
                {
                    ["error"] = string.Join(" ", parsed.Errors.Select(e => e.Message)) + " Run with --help to see the options.",
                }));
            return 2;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
