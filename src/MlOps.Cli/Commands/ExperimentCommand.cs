using System.CommandLine;
using System.Text.Json.Nodes;
using MlOps.Pipeline;
using MlOps.Storage;
using MlOps.Tracking;

namespace MlOps.Cli.Commands;

/// <summary>`mlops experiment run|list|show|compare|export|import`.</summary>
internal static class ExperimentCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var command = new Command("experiment", "Run, browse, compare and share experiments (a parameterised, cached pipeline per run).");
        command.Options.Add(CommonOptions.Store);
        command.Options.Add(CommonOptions.Json);
        command.Subcommands.Add(RunVerb.Build(output, error));
        command.Subcommands.Add(ListVerb(output, error));
        command.Subcommands.Add(ShowVerb(output, error));
        command.Subcommands.Add(CompareVerb(output, error));
        command.Subcommands.Add(ExportVerb(output, error));
        command.Subcommands.Add(ImportVerb(output, error));
        return command;
    }

    /// <summary>Open the store, run the action, turn engine errors into the one-paragraph message and exit code 1.</summary>
    internal static int Guarded(ParseResult parse, TextWriter output, TextWriter error, Func<Experiments, int> action)
    {
        try
        {
            using var store = Stores.Open(parse.GetValue(CommonOptions.Store));
            return action(new Experiments(store));
        }
        catch (MlOpsException e)
        {
            return CommonOptions.Fail(parse, output, error, e);
        }
    }

    private static Command ListVerb(TextWriter output, TextWriter error)
    {
        var name = new Option<string?>("--name") { Description = "Only runs of this experiment." };
        var status = new Option<string?>("--status") { Description = "Only runs with this status: running, finished, failed." };
        var trainer = new Option<string?>("--trainer") { Description = "Only runs of this trainer." };
        var sort = new Option<string?>("--sort") { Description = "Sort by this metric (best first: highest, or lowest for rmse/mae/log_loss)." };
        var limit = new Option<int?>("--limit") { Description = "At most this many runs." };
        var best = new Option<bool>("--best") { Description = "Only the best run by --sort (default: the task's primary metric)." };
        var experiments = new Option<bool>("--experiments") { Description = "List the experiments (runs and last run of each) instead of runs." };
        var verb = new Command("list", "List runs (filter, sort by a metric, best run) or, with --experiments, the experiments.") { name, status, trainer, sort, limit, best, experiments };
        verb.SetAction(parse => Guarded(parse, output, error, engine =>
        {
            if (parse.GetValue(experiments))
            {
                var summaries = engine.ListExperiments();
                if (parse.GetValue(CommonOptions.Json))
                    output.WriteLine(JsonShapes.Write(new JsonObject
                    {
                        ["experiments"] = new JsonArray(summaries.Select(e => (JsonNode)new JsonObject
                        {
                            ["name"] = e.Name, ["runs"] = e.Runs, ["lastRunAt"] = e.LastRunAt.ToString("O"),
                        }).ToArray()),
                    }));
                else
                    Render.Experiments(output, summaries);
                return 0;
            }

            IReadOnlyList<Run> runs;
            if (parse.GetValue(best))
            {
                var experiment = parse.GetValue(name) ?? throw new MlOpsException("--best needs --name <experiment>: the best run is chosen within one experiment.");
                runs = engine.Best(experiment, parse.GetValue(sort)) is { } b ? [b] : [];
            }
            else
            {
                var metric = parse.GetValue(sort);
                runs = engine.List(new RunQuery
                {
                    Experiment = parse.GetValue(name),
                    Status = parse.GetValue(status) is { } s ? ParseStatus(s) : null,
                    Trainer = parse.GetValue(trainer),
                    OrderByMetric = metric,
                    Descending = metric is null || Training.TrainerCatalog.HigherIsBetter(metric),
                    Limit = parse.GetValue(limit),
                });
            }
            if (parse.GetValue(CommonOptions.Json))
                output.WriteLine(JsonShapes.Write(new JsonObject { ["runs"] = new JsonArray(runs.Select(r => (JsonNode)JsonShapes.Run(r)).ToArray()) }));
            else
                Render.Runs(output, runs);
            return 0;
        }));
        return verb;
    }

    private static RunStatus ParseStatus(string status) => status.ToLowerInvariant() switch
    {
        "running" => RunStatus.Running,
        "finished" => RunStatus.Finished,
        "failed" => RunStatus.Failed,
        _ => throw new MlOpsException($"Unknown status '{status}'. Use running, finished or failed."),
    };

    private static Command ShowVerb(TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("run") { Description = "Run id or a unique prefix (4+ characters)." };
        var verb = new Command("show", "Show one run: params, metrics, stages, data fingerprint, model.") { id };
        verb.SetAction(parse => Guarded(parse, output, error, engine =>
        {
            var run = engine.Show(parse.GetValue(id)!);
            var details = engine.Details(run.Id);
            if (parse.GetValue(CommonOptions.Json))
            {
                var json = JsonShapes.Run(run);
                json["trainerOptions"] = new JsonObject(run.TrainerOptions.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
                json["signature"] = new JsonArray(run.Signature.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["type"] = c.Type }).ToArray());
                json["featurizerCodeHash"] = run.FeaturizerCodeHash;
                json["mlnet"] = run.MlNetVersion;
                json["runtime"] = run.RuntimeVersion;
                json["details"] = details is null ? null : JsonShapes.Details(details);
                output.WriteLine(JsonShapes.Write(json));
            }
            else
                Render.Run(output, run, details);
            return 0;
        }));
        return verb;
    }

    private static Command CompareVerb(TextWriter output, TextWriter error)
    {
        var ids = new Argument<string[]>("runs") { Description = "Two or more run ids (or unique prefixes).", Arity = ArgumentArity.OneOrMore };
        var all = new Option<bool>("--all") { Description = "Show every parameter, not only those that differ." };
        var verb = new Command("compare", "Compare runs: differing params, metric deltas, curve points side by side.") { ids, all };
        verb.SetAction(parse => Guarded(parse, output, error, engine =>
        {
            var comparison = engine.Compare(parse.GetValue(ids)!, parse.GetValue(all));
            if (parse.GetValue(CommonOptions.Json))
            {
                JsonArray Values<T>(IReadOnlyList<T> values, Func<T, JsonNode?> map) => new(values.Select(map).ToArray());
                JsonObject Series(IReadOnlyDictionary<string, IReadOnlyList<double?>> series) =>
                    new(series.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)Values(m.Value, JsonShapes.Number))));
                output.WriteLine(JsonShapes.Write(new JsonObject
                {
                    ["runs"] = Values(comparison.RunIds, id => JsonValue.Create(id)),
                    ["params"] = new JsonObject(comparison.Params.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Values(p.Value, v => JsonValue.Create(v))))),
                    ["metrics"] = Series(comparison.Metrics),
                    ["deltas"] = Series(comparison.Deltas),
                    ["curvePoints"] = Series(comparison.CurvePoints),
                    ["curves"] = Values(comparison.Details, d => d is null ? null : new JsonObject
                    {
                        ["roc"] = JsonShapes.Details(d)["roc"]?.DeepClone(),
                        ["precisionRecall"] = JsonShapes.Details(d)["precisionRecall"]?.DeepClone(),
                    }),
                }));
            }
            else
                Render.Comparison(output, comparison);
            return 0;
        }));
        return verb;
    }

    private static Command ExportVerb(TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("run") { Description = "Run id or unique prefix." };
        var file = new Option<string>("--out") { Description = "The file to write (a zip with the run, its details and artifacts).", Required = true };
        var verb = new Command("export", "Export a run with its artifacts to one file, for a colleague to import.") { id, file };
        verb.SetAction(parse => Guarded(parse, output, error, engine =>
        {
            var run = engine.Show(parse.GetValue(id)!);
            engine.Export(run.Id, parse.GetValue(file)!);
            if (parse.GetValue(CommonOptions.Json))
                output.WriteLine(JsonShapes.Write(new JsonObject { ["run"] = run.Id, ["file"] = Path.GetFullPath(parse.GetValue(file)!) }));
            else
                output.WriteLine($"Exported run {run.Id} to {parse.GetValue(file)}");
            return 0;
        }));
        return verb;
    }

    private static Command ImportVerb(TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("file") { Description = "A file written by `mlops experiment export`." };
        var verb = new Command("import", "Import a run exported by a colleague (artifacts verified by SHA-256).") { file };
        verb.SetAction(parse => Guarded(parse, output, error, engine =>
        {
            var run = engine.Import(parse.GetValue(file)!);
            if (parse.GetValue(CommonOptions.Json))
                output.WriteLine(JsonShapes.Write(JsonShapes.Run(run)));
            else
                output.WriteLine($"Imported run {run.Id} into experiment '{run.Experiment}'");
            return 0;
        }));
        return verb;
    }
}
