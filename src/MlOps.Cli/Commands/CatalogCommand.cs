using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MlOps.Catalog;
using MlOps.Storage;

namespace MlOps.Cli.Commands;

/// <summary>`mlops catalog list|show|describe|correct|export`: the company-wide model catalog.</summary>
internal static class CatalogCommand
{
    public static readonly Option<string?> Location = new("--catalog")
    {
        Description = $"Catalog location: a folder (embedded LiteDB) or a postgres://user@host:5432/db URL (default: ${CatalogLocation.Variable}, else catalog in mlops.yaml, else ~/.mlops/catalog).",
        Recursive = true,
    };

    public static Command Build(TextWriter output, TextWriter error)
    {
        var catalog = new Command("catalog", "The company-wide model catalog: every registered model, its owner, data, versions, gates, deployments, monitoring and decisions.");
        catalog.Options.Add(Location);
        catalog.Options.Add(CommonOptions.Json);
        catalog.Subcommands.Add(BuildList(output, error));
        catalog.Subcommands.Add(BuildShow(output, error));
        catalog.Subcommands.Add(BuildDescribe(output, error));
        catalog.Subcommands.Add(BuildCorrect(output, error));
        catalog.Subcommands.Add(BuildExport(output, error));
        return catalog;
    }

    private static Command BuildList(TextWriter output, TextWriter error)
    {
        var owner = new Option<string?>("--owner") { Description = "Only models of this owner." };
        var tag = new Option<string?>("--tag") { Description = "Only models with this tag." };
        var status = new Option<string?>("--status") { Description = "Only models with this monitoring status (healthy, degraded, acted, unknown), or 'production'." };
        var source = new Option<string?>("--data-source") { Description = "Only models trained on a data source containing this text (e.g. cwurData)." };
        var trainedOn = new Option<string?>("--trained-on") { Description = "Only models trained on the data with this fingerprint (SHA-256 or its first 8+ characters)." };
        var project = new Option<string?>("--project") { Description = "Only models of this project." };
        var command = new Command("list", "List (and search) the catalog's models.") { owner, tag, status, source, trainedOn, project };
        command.SetAction(parse => Guarded(parse, output, error, catalog =>
        {
            var entries = catalog.Search(new CatalogQuery
            {
                Owner = parse.GetValue(owner), Tag = parse.GetValue(tag), Status = parse.GetValue(status), DataSource = parse.GetValue(source),
                TrainedOn = parse.GetValue(trainedOn), Project = parse.GetValue(project),
            });
            if (parse.GetValue(CommonOptions.Json))
                output.WriteLine(JsonShapes.Write(new JsonObject { ["models"] = new JsonArray(entries.Select(e => (JsonNode)Json(e, history: false)).ToArray()) }));
            else if (entries.Count == 0)
                output.WriteLine("No models in the catalog match.");
            else
                foreach (var e in entries)
                    output.WriteLine($"{e.Model}  project {e.Project}  owner {e.Owner}  Production {(e.ProductionVersion is { } p ? "v" + p : "none")}  {e.Trainer}  {CatalogReport.Metrics(e)}  monitoring {e.MonitoringStatus}  decisions {e.Decisions.Count}");
            return 0;
        }));
        return command;
    }

    private static Command BuildShow(TextWriter output, TextWriter error)
    {
        var model = new Argument<string>("model") { Description = "The model's name." };
        var command = new Command("show", "One model: its facts and its whole history (registrations, promotions with gates, descriptions, decisions).") { model };
        command.SetAction(parse => Guarded(parse, output, error, catalog =>
        {
            var e = catalog.Entry(parse.GetValue(model)!);
            if (parse.GetValue(CommonOptions.Json))
            {
                output.WriteLine(JsonShapes.Write(Json(e, history: true)));
                return 0;
            }
            output.WriteLine($"{e.Model} (project {e.Project}, owner {e.Owner})");
            if (e.Purpose.Length > 0) output.WriteLine($"  purpose: {e.Purpose}");
            output.WriteLine($"  Production: {(e.ProductionVersion is { } p ? "v" + p : "none")}, latest v{e.LatestVersion}, {e.Task} {e.Trainer}, {CatalogReport.Metrics(e)}");
            output.WriteLine($"  data: {string.Join(", ", e.DataSources)}; monitoring: {e.MonitoringStatus}; tags: {string.Join(", ", e.Tags)}");
            foreach (var r in e.History)
            {
                output.WriteLine($"  {r.At.ToLocalTime():yyyy-MM-dd HH:mm}  {r.Kind,-10} {r.By,-8} {r.Summary}  [{r.Id}]");
                foreach (var line in r.Evidence)
                    output.WriteLine($"      {line}");
            }
            return 0;
        }));
        return command;
    }

    private static Command BuildDescribe(TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "The model to describe.", Required = true };
        var owner = new Option<string?>("--owner") { Description = "Who answers for the model." };
        var purpose = new Option<string?>("--purpose") { Description = "What it is for, in one sentence." };
        var tags = new Option<string[]>("--tag") { Description = "A tag (repeatable).", AllowMultipleArgumentsPerToken = false };
        var sources = new Option<string[]>("--data-source") { Description = "A data source it depends on (repeatable)." };
        var command = new Command("describe", "State a model's owner, purpose, tags or data sources (a new record; earlier ones stay).") { model, owner, purpose, tags, sources };
        command.SetAction(parse => Guarded(parse, output, error, catalog =>
        {
            var t = parse.GetValue(tags);
            var s = parse.GetValue(sources);
            var record = catalog.Describe(parse.GetValue(model)!, parse.GetValue(owner), parse.GetValue(purpose), t is { Length: > 0 } ? t : null, s is { Length: > 0 } ? s : null);
            output.WriteLine(parse.GetValue(CommonOptions.Json) ? JsonShapes.Write(Json(record)) : $"Recorded: {record.Summary} [{record.Id}]");
            return 0;
        }));
        return command;
    }

    private static Command BuildCorrect(TextWriter output, TextWriter error)
    {
        var record = new Option<string>("--record") { Description = "The id of the record to correct (see `mlops catalog show <model>`).", Required = true };
        var set = new Option<string[]>("--set") { Description = "A corrected fact: name=value (repeatable).", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why the record was wrong.", Required = true };
        var command = new Command("correct", "Correct a record: a new record replaces its facts in every view; the old one stays in the history.") { record, set, reason };
        command.SetAction(parse => Guarded(parse, output, error, catalog =>
        {
            var added = catalog.Correct(parse.GetValue(record)!, ModelCatalog.ParseFacts(parse.GetValue(set)!), parse.GetValue(reason)!);
            output.WriteLine(parse.GetValue(CommonOptions.Json) ? JsonShapes.Write(Json(added)) : $"Recorded: {added.Summary} [{added.Id}]");
            return 0;
        }));
        return command;
    }

    private static Command BuildExport(TextWriter output, TextWriter error)
    {
        var html = new Option<string>("--html") { Description = "The HTML file to write: one static page, no scripts, for a browser.", Required = true };
        var command = new Command("export", "Export the catalog as a static HTML page a manager opens without any notebook.") { html };
        command.SetAction(parse => Guarded(parse, output, error, catalog =>
        {
            var path = Path.GetFullPath(parse.GetValue(html)!);
            var entries = catalog.Entries();
            // Written next to the target and renamed, so a reader never sees half a page.
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, CatalogReport.Html(entries, DateTimeOffset.UtcNow));
            File.Move(temporary, path, overwrite: true);
            output.WriteLine(parse.GetValue(CommonOptions.Json)
                ? JsonShapes.Write(new JsonObject { ["file"] = path, ["models"] = entries.Count })
                : $"Wrote {path} ({entries.Count} model(s)).");
            return 0;
        }));
        return command;
    }

    private static int Guarded(ParseResult parse, TextWriter output, TextWriter error, Func<ModelCatalog, int> action)
    {
        try
        {
            using var store = Stores.OpenCatalog(parse.GetValue(Location));
            return action(new ModelCatalog(store));
        }
        catch (Exception e) when (e is MlOpsException or IOException or UnauthorizedAccessException)
        {
            return CommonOptions.Fail(parse, output, error, e);
        }
    }

    private static JsonObject Json(CatalogEntry e, bool history)
    {
        var json = new JsonObject
        {
            ["model"] = e.Model, ["project"] = e.Project, ["owner"] = e.Owner, ["purpose"] = e.Purpose,
            ["tags"] = new JsonArray(e.Tags.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["dataSources"] = new JsonArray(e.DataSources.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["dataFingerprints"] = new JsonArray(e.DataFingerprints.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["productionVersion"] = e.ProductionVersion, ["latestVersion"] = e.LatestVersion, ["task"] = e.Task, ["trainer"] = e.Trainer,
            ["metrics"] = JsonShapes.Metrics(e.Metrics),
            ["gates"] = new JsonObject(e.Gates.Select(g => KeyValuePair.Create(g.Key, (JsonNode?)JsonValue.Create(g.Value)))),
            ["deployments"] = e.Deployments.Count, ["monitoringStatus"] = e.MonitoringStatus, ["decisions"] = e.Decisions.Count,
            ["updatedAt"] = e.UpdatedAt.ToString("O", CultureInfo.InvariantCulture),
        };
        if (history)
            json["history"] = new JsonArray(e.History.Select(r => (JsonNode)Json(r)).ToArray());
        return json;
    }

    private static JsonObject Json(CatalogRecord r) => new()
    {
        ["id"] = r.Id, ["kind"] = r.Kind, ["model"] = r.Model, ["version"] = r.Version, ["project"] = r.Project,
        ["at"] = r.At.ToString("O", CultureInfo.InvariantCulture), ["by"] = r.By, ["summary"] = r.Summary,
        ["facts"] = new JsonObject(r.Facts.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)JsonValue.Create(f.Value)))),
        ["evidence"] = new JsonArray(r.Evidence.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
        ["corrects"] = r.Corrects,
    };
}
