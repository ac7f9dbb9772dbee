using System.CommandLine;
using System.Text.Json.Nodes;
using MlOps.Registry;

namespace MlOps.Cli.Commands;

/// <summary>`mlops gate --model &lt;name&gt; --version &lt;n&gt;`: run the gates without promoting; exit non-zero when any fails (a CI step).</summary>
internal static class GateCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var stage = new Option<string?>("--stage") { Description = "The stage the gates are for: Staging or Production (default Production)." };
        var gate = new Option<string[]>("--gate") { Description = "An extra metric threshold, e.g. \"auc >= 0.95\" (repeatable)." };
        var acknowledge = new Option<bool>("--accept-schema-change") { Description = "Accept a signature not compatible with Production's." };
        var command = new Command("gate", "Run a version's gates (thresholds, smoke, schema, no-regression) and exit non-zero if any fails.")
        {
            RegistryCli.Model, RegistryCli.Version, stage, gate, acknowledge, RegistryCli.Gates, CommonOptions.Store, CommonOptions.Json,
        };
        command.SetAction(parse => RegistryCli.Guarded(parse, output, error, registry =>
        {
            var target = parse.GetValue(stage) is { } s ? RegistryCli.ParseStage(s) : ModelStage.Production;
            var (model, version) = (parse.GetValue(RegistryCli.Model)!, parse.GetValue(RegistryCli.Version));
            var results = registry.CheckGates(model, version, target,
                new PromotionOptions { ExtraGates = parse.GetValue(gate) ?? [], AcknowledgeSchemaChange = parse.GetValue(acknowledge) });
            var passed = results.All(r => r.Passed);
            if (parse.GetValue(CommonOptions.Json))
                output.WriteLine(JsonShapes.Write(new JsonObject
                {
                    ["model"] = model, ["version"] = version, ["stage"] = target.ToString(), ["passed"] = passed, ["gates"] = RegistryCli.GateResults(results),
                }));
            else
            {
                output.WriteLine($"{model} v{version} toward {target}: {(passed ? "all gates passed" : "a gate FAILED")}");
                RegistryCli.RenderGates(output, results);
            }
            return passed ? 0 : RegistryCli.Refused;
        }));
        return command;
    }
}
