using System.CommandLine;
using System.Text.Json.Nodes;

namespace MlOps.Cli.Commands;

/// <summary>`mlops register --run &lt;id&gt; --model &lt;name&gt;` and `mlops register --best --experiment &lt;e&gt; --metric &lt;m&gt; --model &lt;name&gt;`.</summary>
internal static class RegisterCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var run = new Option<string?>("--run") { Description = "The run to register (id or unique prefix of 4+ characters)." };
        var best = new Option<bool>("--best") { Description = "Register the best finished run of --experiment by --metric instead of --run." };
        var experiment = new Option<string?>("--experiment") { Description = "With --best: the experiment to pick from." };
        var metric = new Option<string?>("--metric") { Description = "With --best: the metric to rank by (default: the task's primary metric)." };
        var description = new Option<string?>("--description") { Description = "Free text stored with the version." };
        var model = new Option<string>("--model") { Description = "The model to add a version to (created on first registration).", Required = true };
        var reuse = new Option<bool>("--reuse") { Description = "If this run is already a version of the model, answer that version instead of refusing (notebooks and pipelines that re-run on the same store)." };
        var command = new Command("register", "Register a run's model as the next version of a named model (artifact SHA-256 verified).")
        {
            run, best, experiment, metric, description, model, reuse, CommonOptions.Store, CommonOptions.Json,
        };
        command.SetAction(parse => RegistryCli.Guarded(parse, output, error, registry =>
        {
            var useBest = parse.GetValue(best);
            if (useBest == (parse.GetValue(run) is not null))
                throw new MlOpsException("Give either --run <id> or --best --experiment <name> [--metric <m>], not both and not neither.");
            bool reused;
            var version = useBest
                ? registry.RegisterBest(parse.GetValue(experiment) ?? "", parse.GetValue(metric), parse.GetValue(model)!, parse.GetValue(description), parse.GetValue(reuse), out reused)
                : registry.Register(parse.GetValue(run)!, parse.GetValue(model)!, parse.GetValue(description), parse.GetValue(reuse), out reused);
            if (parse.GetValue(CommonOptions.Json))
            {
                var json = new JsonObject { ["model"] = version.Model, ["version"] = version.Version, ["run"] = version.RunId, ["stage"] = version.Stage.ToString() };
                // Only with --reuse: the contract's shape stays exactly as documented otherwise.
                if (parse.GetValue(reuse))
                    json["reused"] = reused;
                output.WriteLine(JsonShapes.Write(json));
            }
            else
                output.WriteLine(version.RegistrationSummary(reused));
            return 0;
        }));
        return command;
    }
}
