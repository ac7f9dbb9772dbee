using System.CommandLine;
using System.Text.Json.Nodes;
using MlOps.Pipeline;

namespace MlOps.Cli.Commands;

/// <summary>
/// `mlops experiment run`: each option is a parameter (the params file is read first, options override it,
/// --set overrides both), so the CLI, the params file and the notebook all describe a run the same way.
/// </summary>
internal static class RunVerb
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var name = new Option<string>("--name") { Description = "Experiment name (runs are grouped under it).", Required = true };
        var data = new Option<string?>("--data") { Description = "A CSV file or a folder of CSVs (param: data.path; pick a file of a folder with --set data.file=<name>)." };
        var label = new Option<string?>("--label") { Description = "Label column or C# expression, e.g. \"world_rank < 50\" (param: featurize.label)." };
        var features = new Option<string?>("--features") { Description = "Feature columns, comma-separated (param: featurize.features); default: every usable column." };
        var categorical = new Option<string?>("--categorical") { Description = "Columns to encode as categories (param: featurize.categorical)." };
        var filter = new Option<string?>("--filter") { Description = "Keep rows where this C# expression is true, e.g. \"world_rank <= 100\" (param: featurize.filter)." };
        var trainer = new Option<string?>("--trainer") { Description = "Trainer name or auto (param: train.trainer). Default: auto." };
        var task = new Option<string?>("--task") { Description = "binary | multiclass | regression (param: train.task); inferred from the label when left out." };
        var splitBy = new Option<string?>("--split-by") { Description = "Split by this column: its last value validates (param: split.by)." };
        var testFraction = new Option<double?>("--test-fraction") { Description = "Random split: share of rows that validate (param: split.test_fraction, default 0.2)." };
        var seed = new Option<int?>("--seed") { Description = "Seed for the split and the trainers (param: seed, default 42)." };
        var parameters = new Option<string?>("--params") { Description = "Params file (YAML or JSON, like DVC's params.yaml)." };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a parameter: key=value; key=v1,v2,v3 sweeps (one run per combination). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var force = new Option<bool>("--force") { Description = "Re-run every stage, ignoring the stage cache." };
        var importance = new Option<bool>("--feature-importance") { Description = "Compute permutation feature importance (param: evaluate.feature_importance)." };
        var parallel = new Option<int?>("--parallel") { Description = "Runs trained at once (default: the core count)." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines on stderr." };

        var verb = new Command("run", "Run an experiment: load -> validate -> featurize -> split -> train -> evaluate, tracked and cached.")
        {
            name, data, label, features, categorical, filter, trainer, task, splitBy, testFraction, seed, parameters, set, force, importance, parallel, quiet,
        };
        verb.SetAction(parse => ExperimentCommand.Guarded(parse, output, error, engine =>
        {
            var options = new RunOptions
            {
                Name = parse.GetValue(name)!,
                Data = parse.GetValue(data),
                Label = parse.GetValue(label),
                Features = parse.GetValue(features),
                Categorical = parse.GetValue(categorical),
                Filter = parse.GetValue(filter),
                Trainer = parse.GetValue(trainer),
                Task = parse.GetValue(task),
                SplitBy = parse.GetValue(splitBy),
                TestFraction = parse.GetValue(testFraction),
                Seed = parse.GetValue(seed),
                ParamsFile = parse.GetValue(parameters),
                Sets = parse.GetValue(set) ?? [],
                Force = parse.GetValue(force),
                FeatureImportance = parse.GetValue(importance),
                Parallel = parse.GetValue(parallel),
            };
            var json = parse.GetValue(CommonOptions.Json);
            var request = options.ToRequest("cli");
            var progress = parse.GetValue(quiet) ? null : new ConsoleProgress(error);
            using var stop = StopSignals.EndRunsOnStop(error);
            var result = engine.Run(request, progress);
            if (json)
                output.WriteLine(JsonShapes.Write(new JsonObject
                {
                    ["experiment"] = result.Experiment,
                    ["runs"] = new JsonArray(result.Runs.Select(o => (JsonNode)JsonShapes.Outcome(o)).ToArray()),
                    ["best"] = result.Best?.Run.Id,
                }));
            else
                Render.Result(output, result);
            return result.Succeeded ? 0 : 1;
        }));
        return verb;
    }
}
