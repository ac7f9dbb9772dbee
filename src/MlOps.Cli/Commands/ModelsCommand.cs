using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace MlOps.Cli.Commands;

/// <summary>`mlops models list` and `mlops models show &lt;name&gt;` (versions with stage, aliases, metrics; history; gate runs).</summary>
internal static class ModelsCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var command = new Command("models", "Browse registered models: versions, stages, aliases, metrics and the audit trail.");
        command.Options.Add(CommonOptions.Store);
        command.Options.Add(CommonOptions.Json);
        command.Subcommands.Add(List(output, error));
        command.Subcommands.Add(Show(output, error));
        return command;
    }

    private static Command List(TextWriter output, TextWriter error)
    {
        var verb = new Command("list", "List registered models with their versions.");
        verb.SetAction(parse => RegistryCli.Guarded(parse, output, error, registry =>
        {
            var models = registry.Models();
            if (parse.GetValue(CommonOptions.Json))
                output.WriteLine(JsonShapes.Write(new JsonObject
                {
                    ["models"] = new JsonArray(models.Select(m => (JsonNode)new JsonObject
                    {
                        ["name"] = m.Name,
                        ["latestVersion"] = m.LatestVersion,
                        ["productionVersion"] = m.ProductionVersion,
                        ["versions"] = new JsonArray(registry.Versions(m.Name).Select(v => (JsonNode)RegistryCli.Version_(v)).ToArray()),
                    }).ToArray()),
                }));
            else if (models.Count == 0)
                output.WriteLine("No registered models. Register one with `mlops register --run <id> --model <name>`.");
            else
                foreach (var m in models)
                    output.WriteLine($"{m.Name}: {m.Versions} version(s), Production: {(m.ProductionVersion is { } p ? "v" + p : "none")}");
            return 0;
        }));
        return verb;
    }

    private static Command Show(TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("name") { Description = "The model's name." };
        var verb = new Command("show", "Show a model: every version (stage, aliases, metrics), its history and gate runs.") { name };
        verb.SetAction(parse => RegistryCli.Guarded(parse, output, error, registry =>
        {
            var model = parse.GetValue(name)!;
            var versions = registry.Versions(model);
            var history = registry.History(model);
            var gateRuns = registry.GateRuns(model);
            if (parse.GetValue(CommonOptions.Json))
            {
                output.WriteLine(JsonShapes.Write(new JsonObject
                {
                    ["name"] = model,
                    ["versions"] = new JsonArray(versions.Select(v => (JsonNode)RegistryCli.Version_(v)).ToArray()),
                    ["history"] = new JsonArray(history.Select(t => (JsonNode)RegistryCli.Transition(t)).ToArray()),
                    ["gateRuns"] = new JsonArray(gateRuns.Select(g => (JsonNode)new JsonObject
                    {
                        ["version"] = g.Version, ["target"] = g.Target.ToString(), ["purpose"] = g.Purpose, ["at"] = g.At.ToString("O"), ["by"] = g.By,
                        ["passed"] = g.Passed, ["gates"] = RegistryCli.GateResults(g.Results),
                    }).ToArray()),
                }));
                return 0;
            }
            output.WriteLine($"model {model}");
            foreach (var v in versions)
                output.WriteLine($"  v{v.Version,-3} {v.Stage,-10} {(v.Aliases.Count > 0 ? "@" + string.Join(" @", v.Aliases) : ""),-20} run {v.RunId[..Math.Min(12, v.RunId.Length)]}  " +
                    string.Join("  ", v.Metrics.Where(m => m.Key is "auc" or "accuracy" or "f1" or "rmse" or "macro_accuracy")
                        .Select(m => $"{m.Key}={m.Value.ToString("0.0000", CultureInfo.InvariantCulture)}")));
            output.WriteLine("history");
            foreach (var t in history)
                output.WriteLine($"  {t.At:yyyy-MM-dd HH:mm:ss}  v{t.Version} {t.From} -> {t.To}  by {t.By}: {t.Reason}");
            return 0;
        }));
        return verb;
    }
}
