using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MlOps.Monitoring;
using MlOps.Registry;

namespace MlOps.Cli.Commands;

/// <summary>
/// `mlops monitor --model &lt;name&gt; --data &lt;csv&gt; [--version n|--stage s] [--apply] [--dry-run] [--window id]` and
/// `mlops monitor history --model &lt;name&gt;`. The exit code is the verdict, so any scheduler can run the loop:
/// 0 healthy, 4 degraded (a decision proposed or left to a person), 5 acted (an automatic action reached Production),
/// 1 bad input or engine error, 2 usage.
/// </summary>
internal static class MonitorCommand
{
    public const int Degraded = 4, Acted = 5;

    public static Command Build(TextWriter output, TextWriter error)
    {
        var data = new Option<string?>("--data") { Description = "The window: a CSV of new rows (with the label column when the ground truth has arrived). Or --from-log." };
        var fromLog = new Option<bool>("--from-log") { Description = "Take the window from the prediction log (served rows, no labels) instead of --data; see --since and --until." };
        var since = new Option<DateTime?>("--since") { Description = "With --from-log: the window starts here (UTC, e.g. 2026-11-27T00:00:00Z; default: the first logged row)." };
        var until = new Option<DateTime?>("--until") { Description = "With --from-log: the window ends before this (UTC; default: now)." };
        var version = new Option<int?>("--version") { Description = "Monitor this version (default: the one in --stage)." };
        var stage = new Option<string?>("--stage") { Description = "Monitor the version in this stage (default Production)." };
        var apply = new Option<bool>("--apply") { Description = "Carry out the decisions the policy runs on its own (1 retrain, 2a new model search; promoted only through the gates) and open records for the others." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what an automatic decision would train (params, data) without training, registering or recording anything." };
        var window = new Option<string?>("--window") { Description = "The window's id in the time view (default: the data file's name)." };
        var command = new Command("monitor", "Check a registered model on a window of new data (drift, schema, predictions, performance), decide 1/2a/2b/3, and act with --apply.")
        {
            RegistryCli.Model, data, fromLog, since, until, version, stage, apply, dryRun, window, CatalogCommand.Location, RegistryCli.Gates, CommonOptions.Store, CommonOptions.Json,
        };
        command.SetAction(parse => RegistryCli.Guarded(parse, output, error, parse.GetValue(CatalogCommand.Location), (registry, session) =>
        {
            var journal = new MonitoringJournal(session.Store, session.Catalog, session.Project);
            var result = MonitorLoop.Run(registry, session.Store, journal, new MonitorRequest
            {
                Model = parse.GetValue(RegistryCli.Model)!, Version = parse.GetValue(version),
                Data = MonitorWindow.Resolve(session.Store, parse.GetValue(RegistryCli.Model)!, parse.GetValue(data), parse.GetValue(fromLog), parse.GetValue(since), parse.GetValue(until)),
                Stage = parse.GetValue(stage) is { } s ? RegistryCli.ParseStage(s) : null,
                Apply = parse.GetValue(apply), DryRun = parse.GetValue(dryRun), WindowId = parse.GetValue(window), Streamed = parse.GetValue(fromLog),
            });
            session.CatalogErrors.AddRange(journal.CatalogErrors);
            if (parse.GetValue(CommonOptions.Json))
                output.WriteLine(JsonShapes.Write(Json(result)));
            else
                Render(output, result);
            return result.Status switch { MonitoringReport.Healthy => 0, DecisionOutcome.Acted => Acted, _ => Degraded };
        }));
        command.Subcommands.Add(BuildHistory(output, error));
        return command;
    }

    private static Command BuildHistory(TextWriter output, TextWriter error)
    {
        var command = new Command("history", "The time view: every stored window of a model (status, primary metric, drift share), oldest first.")
        {
            RegistryCli.Model, CommonOptions.Store, CommonOptions.Json,
        };
        command.SetAction(parse => RegistryCli.Guarded(parse, output, error, null, (registry, session) =>
        {
            var model = parse.GetValue(RegistryCli.Model)!;
            registry.Versions(model);
            var windows = MonitoringTimeline.Of(session.Store.ListChecks(model));
            if (parse.GetValue(CommonOptions.Json))
                output.WriteLine(JsonShapes.Write(new JsonObject { ["model"] = model, ["windows"] = new JsonArray(windows.Select(w => (JsonNode)Window(w)).ToArray()) }));
            else if (windows.Count == 0)
                output.WriteLine($"No monitored windows of '{model}' yet. Check one with `mlops monitor --model {model} --data <csv>`.");
            else
            {
                output.WriteLine($"{"window",-20} {"version",7} {"status",-9} {"rows",6} {"metric",-22} {"value",8} {"bound",8} {"drift share",11}");
                foreach (var w in windows)
                    output.WriteLine($"{w.Window,-20} {"v" + w.Version,7} {w.Status,-9} {w.Rows,6} {w.Metric ?? "-",-22} {F(w.MetricValue),8} {F(w.MetricThreshold),8} {F(w.DriftShare),11}");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>The contract for scripts: model, version, status, checks, decision (then more fields).</summary>
    public static JsonObject Json(MonitorResult result) => new()
    {
        ["model"] = result.Version.Model,
        ["version"] = result.Version.Version,
        ["status"] = result.Status,
        ["checks"] = new JsonArray(result.Report.Checks.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name, ["feature"] = c.Feature, ["value"] = JsonShapes.Number(c.Value), ["threshold"] = JsonShapes.Number(c.Threshold),
            ["passed"] = c.Passed, ["detail"] = c.Detail,
        }).ToArray()),
        ["decision"] = result.Decision is { } d ? Decision(d, result.Outcome) : null,
        ["window"] = result.Report.WindowId,
        ["rows"] = result.Report.Rows,
        ["labelled"] = result.Report.Labelled,
        ["notes"] = new JsonArray(result.Report.Notes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
    };

    private static JsonObject Decision(Decision d, DecisionOutcome? outcome) => new()
    {
        ["code"] = d.Code,
        ["reason"] = d.Reason,
        ["evidence"] = new JsonArray(d.Evidence.Select(e => (JsonNode?)JsonValue.Create(e)).ToArray()),
        ["action"] = d.Action,
        ["applied"] = outcome?.Applied ?? false,
        ["newVersion"] = outcome?.NewVersion,
        ["automatic"] = d.Automatic,
        ["promoted"] = outcome?.Promoted ?? false,
        ["dryRun"] = outcome?.DryRun ?? false,
        ["refused"] = outcome?.Refused,
        ["record"] = outcome?.Record?.Id,
        ["plan"] = outcome?.Plan is { } p ? new JsonObject
        {
            ["experiment"] = p.Experiment, ["data"] = p.Data,
            ["changes"] = new JsonObject(p.Changes.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)JsonValue.Create(c.Value)))),
        } : null,
        ["gates"] = outcome is null ? new JsonArray() : RegistryCli.GateResults(outcome.Gates),
        ["escalated"] = outcome?.Escalated is { } next ? Decision(next.Decision, next) : null,
    };

    private static JsonObject Window(WindowSummary w) => new()
    {
        ["window"] = w.Window, ["version"] = w.Version, ["at"] = w.At.ToString("O"), ["status"] = w.Status, ["rows"] = w.Rows, ["labelled"] = w.Labelled,
        ["failed"] = w.Failed, ["metric"] = w.Metric, ["value"] = JsonShapes.Number(w.MetricValue), ["threshold"] = JsonShapes.Number(w.MetricThreshold),
        ["driftShare"] = JsonShapes.Number(w.DriftShare), ["driftShareThreshold"] = JsonShapes.Number(w.DriftShareThreshold),
    };

    private static void Render(TextWriter output, MonitorResult result)
    {
        var r = result.Report;
        output.WriteLine($"{r.Model} v{r.Version} on window {r.WindowId} ({r.Rows} rows, {(r.Labelled ? "labelled" : "no labels")}): {result.Status}");
        output.WriteLine($"  {"check",-32} {"feature",-22} {"value",10} {"threshold",10}");
        foreach (var c in r.Checks)
            output.WriteLine($"{(c.Passed ? "✓" : "✗")} {c.Name,-32} {c.Feature ?? "",-22} {F(c.Value),10} {F(c.Threshold),10}");
        foreach (var note in r.Notes)
            output.WriteLine("note: " + note);
        if (result.Decision is null)
        {
            output.WriteLine(r.Status == MonitoringReport.Healthy ? "No decision: every check passed." : "No decision: the drift is noted; performance holds. Watch the next windows (`mlops monitor history`).");
            return;
        }
        for (var (d, outcome) = (result.Decision, result.Outcome); d is not null; (d, outcome) = (outcome?.Escalated?.Decision, outcome?.Escalated))
        {
            output.WriteLine($"Decision {d.Code}: {d.Reason} ({(d.Automatic ? "automatic" : "for a person")})");
            foreach (var e in d.Evidence)
                output.WriteLine("  - " + e);
            output.WriteLine("  action: " + d.Action);
            if (outcome is null)
                output.WriteLine("  proposed only: run with --apply to carry it out (--dry-run to see what it would train).");
            else
            {
                if (outcome.Plan is { } plan)
                    output.WriteLine($"  plan: experiment {plan.Experiment} on {plan.Data}; " + string.Join(", ", plan.Changes.Select(c => $"{c.Key}={c.Value ?? "(removed)"}")));
                RegistryCli.RenderGates(output, outcome.Gates);
                output.WriteLine(outcome.Promoted ? $"  applied: v{outcome.NewVersion} is now Production" : $"  {(outcome.Applied ? "applied, not promoted" : "not applied")}: {outcome.Refused}");
            }
        }
    }

    private static string F(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("0.####", CultureInfo.InvariantCulture) : "-";
}
