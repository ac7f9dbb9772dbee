using System.CommandLine;
using MlOps.Registry;

namespace MlOps.Cli.Commands;

/// <summary>`mlops promote --model &lt;name&gt; --version &lt;n&gt; --stage &lt;s&gt; --reason &lt;text&gt; [--gate "..."]...` and `mlops rollback`.</summary>
internal static class PromoteCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var stage = new Option<string>("--stage") { Description = "Staging, Production or Archived.", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (stored in the audit trail).", Required = true };
        var gate = new Option<string[]>("--gate") { Description = "An extra metric threshold, e.g. \"auc >= 0.95\" (repeatable; added to the declared gates).", AllowMultipleArgumentsPerToken = false };
        var keep = new Option<bool>("--keep-previous") { Description = "Move the displaced Production version to Staging instead of Archived." };
        var acknowledge = new Option<bool>("--accept-schema-change") { Description = "Promote even though the signature is not compatible with Production's." };
        var ifNeeded = new Option<bool>("--if-needed") { Description = "If the version is already in --stage, change nothing and succeed (unchanged: true; its gates are not run again) instead of refusing." };
        var command = new Command("promote", "Move a model version to a stage; Staging and Production must pass the model's gates.")
        {
            RegistryCli.Model, RegistryCli.Version, stage, reason, gate, keep, acknowledge, ifNeeded, RegistryCli.Gates, CommonOptions.Store, CommonOptions.Json,
        };
        command.SetAction(parse => RegistryCli.Guarded(parse, output, error, registry =>
        {
            var result = registry.Promote(parse.GetValue(RegistryCli.Model)!, parse.GetValue(RegistryCli.Version), RegistryCli.ParseStage(parse.GetValue(stage)),
                parse.GetValue(reason)!, new PromotionOptions
                {
                    ExtraGates = parse.GetValue(gate) ?? [], KeepPrevious = parse.GetValue(keep), AcknowledgeSchemaChange = parse.GetValue(acknowledge),
                    IfNeeded = parse.GetValue(ifNeeded),
                });
            return RegistryCli.Promotion(parse, output, result);
        }));
        return command;
    }

    public static Command BuildRollback(TextWriter output, TextWriter error)
    {
        var reason = new Option<string>("--reason") { Description = "Why (stored in the audit trail).", Required = true };
        var command = new Command("rollback", "Put the previous Production version of a model back in Production (smoke-tested).")
        {
            RegistryCli.Model, reason, RegistryCli.Gates, CommonOptions.Store, CommonOptions.Json,
        };
        command.SetAction(parse => RegistryCli.Guarded(parse, output, error, registry =>
            RegistryCli.Promotion(parse, output, registry.Rollback(parse.GetValue(RegistryCli.Model)!, parse.GetValue(reason)!))));
        return command;
    }
}
