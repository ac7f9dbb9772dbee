using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MlOps.Registry;

namespace MlOps.Cli.Commands;

/// <summary>
/// `mlops models list|show|alias|unalias|lineage|trained-on`: browse versions (stage, aliases, metrics, history, gate
/// runs), move aliases, and follow lineage backwards (version -> run) and forwards (data fingerprint -> versions).
/// </summary>
internal static class ModelsCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var command = new Command("models", "Browse registered models: versions, stages, aliases, metrics and the audit trail.");
        command.Options.Add(CommonOptions.Store);
        command.Options.Add(CommonOptions.Json);
        command.Subcommands.Add(List(output, error));
        command.Subcommands.Add(Show(output, error));
        command.Subcommands.Add(Alias(output, error));
        command.Subcommands.Add(Unalias(output, error));
        command.Subcommands.Add(Lineage(output, error));
        command.Subcommands.Add(TrainedOn(output, error));
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

    private static readonly Option<string> AliasName = new("--alias") { Description = "The alias, e.g. champion or challenger (letters, digits, '-', '_', '.').", Required = true };

    private static Command Alias(TextWriter output, TextWriter error)
    {
        var verb = new Command("alias", "Point an alias at a version (it leaves whichever version of the model had it).")
        {
            RegistryCli.Model, RegistryCli.Version, AliasName,
        };
        verb.SetAction(parse => RegistryCli.Guarded(parse, output, error, registry =>
        {
            var alias = parse.GetValue(AliasName)!;
            var version = registry.SetAlias(parse.GetValue(RegistryCli.Model)!, alias, parse.GetValue(RegistryCli.Version));
            if (parse.GetValue(CommonOptions.Json))
                output.WriteLine(JsonShapes.Write(new JsonObject
                {
                    ["model"] = version.Model, ["version"] = version.Version, ["alias"] = alias,
                    ["aliases"] = new JsonArray(version.Aliases.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
                }));
            else
                output.WriteLine($"{version.Model}@{alias} -> v{version.Version}");
            return 0;
        }));
        return verb;
    }

    private static Command Unalias(TextWriter output, TextWriter error)
    {
        var verb = new Command("unalias", "Remove an alias from a model (no version carries it afterwards).") { RegistryCli.Model, AliasName };
        verb.SetAction(parse => RegistryCli.Guarded(parse, output, error, registry =>
        {
            var (model, alias) = (parse.GetValue(RegistryCli.Model)!, parse.GetValue(AliasName)!);
            // Which version had it, so the answer says what changed (null: nothing had it, which is not an error).
            var had = registry.Versions(model).FirstOrDefault(v => v.Aliases.Contains(alias, StringComparer.Ordinal))?.Version;
            registry.RemoveAlias(model, alias);
            if (parse.GetValue(CommonOptions.Json))
                output.WriteLine(JsonShapes.Write(new JsonObject { ["model"] = model, ["alias"] = alias, ["removedFrom"] = had }));
            else
                output.WriteLine(had is { } v ? $"{model}@{alias} removed (was v{v})" : $"{model} had no alias '{alias}'");
            return 0;
        }));
        return verb;
    }

    private static Command Lineage(TextWriter output, TextWriter error)
    {
        var verb = new Command("lineage", "Where a version came from: its run, params, featurizer code hash and data fingerprint.")
        {
            RegistryCli.Model, RegistryCli.Version,
        };
        verb.SetAction(parse => RegistryCli.Guarded(parse, output, error, registry =>
        {
            var (v, run) = registry.Lineage(parse.GetValue(RegistryCli.Model)!, parse.GetValue(RegistryCli.Version));
            if (parse.GetValue(CommonOptions.Json))
            {
                output.WriteLine(JsonShapes.Write(new JsonObject
                {
                    ["model"] = v.Model,
                    ["version"] = v.Version,
                    ["stage"] = v.Stage.ToString(),
                    ["run"] = v.RunId,
                    ["runInStore"] = run is not null,
                    ["runStatus"] = run?.Status.ToString(),
                    ["experiment"] = v.Experiment,
                    ["trainer"] = v.Trainer,
                    ["params"] = new JsonObject(v.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
                    ["featurizerCodeHash"] = v.FeaturizerCodeHash,
                    ["data"] = v.Data is { } d ? new JsonObject { ["sha256"] = d.Sha256, ["rows"] = d.Rows } : null,
                    ["artifact"] = new JsonObject { ["sha256"] = v.Artifact.Sha256, ["bytes"] = v.Artifact.Bytes },
                }));
                return 0;
            }
            output.WriteLine($"{v.Model} v{v.Version} ({v.Stage})");
            output.WriteLine($"  run          {v.RunId} ({(run is null ? "no longer in the store" : run.Status.ToString().ToLowerInvariant())}), experiment {v.Experiment}, {v.Trainer}");
            output.WriteLine($"  featurizer   {(v.FeaturizerCodeHash is "" ? "declarative steps only (no custom code)" : v.FeaturizerCodeHash)}");
            output.WriteLine($"  data         {(v.Data is { } data ? $"{data.Sha256} ({data.Rows} rows)" : "unknown")}");
            output.WriteLine($"  artifact     {v.Artifact.Sha256}");
            foreach (var p in v.Params.OrderBy(p => p.Key, StringComparer.Ordinal))
                output.WriteLine($"  param        {p.Key} = {p.Value}");
            return 0;
        }));
        return verb;
    }

    private static Command TrainedOn(TextWriter output, TextWriter error)
    {
        var data = new Option<string>("--data") { Description = "The data fingerprint (SHA-256, or its first 8+ characters).", Required = true };
        var verb = new Command("trained-on", "Every registered version trained on the data with this fingerprint.") { data };
        verb.SetAction(parse => RegistryCli.Guarded(parse, output, error, registry =>
        {
            var fingerprint = parse.GetValue(data)!;
            var versions = registry.TrainedOn(fingerprint);
            if (parse.GetValue(CommonOptions.Json))
                output.WriteLine(JsonShapes.Write(new JsonObject
                {
                    ["data"] = fingerprint,
                    ["versions"] = new JsonArray(versions.Select(v => (JsonNode)new JsonObject
                    {
                        ["model"] = v.Model, ["version"] = v.Version, ["stage"] = v.Stage.ToString(), ["run"] = v.RunId, ["data"] = v.Data!.Sha256,
                    }).ToArray()),
                }));
            else if (versions.Count == 0)
                output.WriteLine($"No registered version was trained on data {RegistryNames.Printable(fingerprint)}.");
            else
                foreach (var v in versions)
                    output.WriteLine($"{v.Model} v{v.Version} ({v.Stage}) run {v.RunId}");
            return 0;
        }));
        return verb;
    }
}
