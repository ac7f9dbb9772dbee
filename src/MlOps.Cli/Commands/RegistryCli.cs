using System.CommandLine;
using System.Text.Json.Nodes;
using MlOps.Catalog;
using MlOps.Monitoring;
using MlOps.Registry;
using MlOps.Storage;
using MlOps.Tracking;

namespace MlOps.Cli.Commands;

/// <summary>What the registry verbs share: the store and gate file they open, the error paragraph, and the JSON shapes.</summary>
internal static class RegistryCli
{
    /// <summary>Exit code of a promotion or gate check refused by a failing gate (1 stays "bad input or engine error").</summary>
    public const int Refused = 3;

    public const string DefaultGateFile = "gates.yaml";

    public static readonly Option<string?> Gates = new("--gates")
    {
        Description = "Gate declarations per model (YAML; default: gates.yaml in the working directory, when present).",
    };

    public static readonly Option<string> Model = new("--model") { Description = "The registered model's name (letters, digits, '-', '_', '.').", Required = true };

    public static readonly Option<int> Version = new("--version") { Description = "The model version number.", Required = true };

    /// <summary>Open the store and registry, run the action, turn engine errors into one paragraph and exit code 1.</summary>
    public static int Guarded(ParseResult parse, TextWriter output, TextWriter error, Func<ModelRegistry, int> action) =>
        Guarded(parse, output, error, null, (registry, _) => action(registry));

    /// <summary>The same, for verbs that also read the store itself (packaging copies its artifacts).</summary>
    public static int Guarded(ParseResult parse, TextWriter output, TextWriter error, Func<IRunStore, ModelRegistry, int> action) =>
        Guarded(parse, output, error, null, (registry, session) => action(session.Store, registry));

    /// <summary>
    /// As above, for commands that also write to the catalog themselves (monitor): <paramref name="catalogOption"/> is
    /// their --catalog, and the <see cref="RegistrySession"/> gives the store and the one catalog both writers share.
    /// </summary>
    public static int Guarded(ParseResult parse, TextWriter output, TextWriter error, string? catalogOption, Func<ModelRegistry, RegistrySession, int> action)
    {
        try
        {
            var gatesPath = parse.GetValue(Gates) ?? (File.Exists(DefaultGateFile) ? DefaultGateFile : null);
            var gates = gatesPath is null ? GateFile.Empty : GateFile.Load(gatesPath);
            using var store = Stores.Open(parse.GetValue(CommonOptions.Store));
            // Registrations and promotions also go to the company catalog ($MLOPS_CATALOG, else the per-user one).
            var catalog = new Lazy<IMlOpsStore>(() => Stores.OpenCatalog(catalogOption));
            var session = new RegistrySession(store, CatalogFeed.ProjectOf(store), () => new SharedCatalog(catalog.Value));
            try
            {
                using (var events = new CommandEvents(store, session.Project, session.Catalog))
                {
                    var code = action(ModelRegistry.Over(store, events.Hub, gates), session);
                    foreach (var failure in events.Failures.Concat(session.CatalogErrors))
                        error.WriteLine($"warning: the model catalog was not updated ({failure.Message}). The registry change itself is done; check ${CatalogLocation.Variable}.");
                    return code;
                }
            }
            finally
            {
                if (catalog.IsValueCreated) catalog.Value.Dispose();
            }
        }
        catch (MlOpsException e)
        {
            return CommonOptions.Fail(parse, output, error, e);
        }
    }

    public static ModelStage ParseStage(string? stage) => stage?.Trim().ToLowerInvariant() switch
    {
        "staging" => ModelStage.Staging,
        "production" => ModelStage.Production,
        "archived" => ModelStage.Archived,
        _ => throw new MlOpsException($"Unknown stage '{RegistryNames.Printable(stage ?? "")}'. Use --stage Staging, Production or Archived."),
    };

    public static JsonArray GateResults(IEnumerable<GateResult> gates) =>
        new(gates.Select(g => (JsonNode)new JsonObject { ["name"] = g.Name, ["passed"] = g.Passed, ["detail"] = g.Detail }).ToArray());

    public static JsonObject Version_(ModelVersion v) => new()
    {
        ["version"] = v.Version,
        ["stage"] = v.Stage.ToString(),
        ["aliases"] = new JsonArray(v.Aliases.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
        ["run"] = v.RunId,
        ["experiment"] = v.Experiment,
        ["trainer"] = v.Trainer,
        ["description"] = v.Description,
        ["metrics"] = JsonShapes.Metrics(v.Metrics),
        ["artifact"] = new JsonObject { ["sha256"] = v.Artifact.Sha256, ["bytes"] = v.Artifact.Bytes },
        ["data"] = v.Data is { } d ? new JsonObject { ["sha256"] = d.Sha256, ["rows"] = d.Rows } : null,
        ["signature"] = new JsonArray(v.Signature.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["type"] = c.Type }).ToArray()),
        ["createdAt"] = v.CreatedAt.ToString("O"),
        ["createdBy"] = v.CreatedBy,
    };

    public static JsonObject Transition(Transition t) => new()
    {
        ["sequence"] = t.Sequence,
        ["version"] = t.Version,
        ["from"] = t.From.ToString(),
        ["to"] = t.To.ToString(),
        ["at"] = t.At.ToString("O"),
        ["by"] = t.By,
        ["reason"] = t.Reason,
        ["gates"] = GateResults(t.Gates),
    };

    /// <summary>The promote/rollback contract: {"model","version","stage","promoted","gates"}; stage is where the version is now.</summary>
    public static JsonObject Promotion(PromotionResult r) => new()
    {
        ["model"] = r.Version.Model,
        ["version"] = r.Version.Version,
        ["stage"] = r.Version.Stage.ToString(),
        ["promoted"] = r.Promoted,
        ["gates"] = GateResults(r.Gates),
        ["requestedStage"] = r.Requested.ToString(),
        ["displaced"] = r.Displaced,
        ["unchanged"] = r.Unchanged,
    };

    public static void RenderGates(TextWriter output, IEnumerable<GateResult> gates)
    {
        foreach (var g in gates)
            output.WriteLine($"  {(g.Passed ? "✓" : "✗")} {g.Name}: {g.Detail}");
    }

    public static int Promotion(ParseResult parse, TextWriter output, PromotionResult result)
    {
        if (parse.GetValue(CommonOptions.Json))
            output.WriteLine(JsonShapes.Write(Promotion(result)));
        else
        {
            output.WriteLine(result.Summary);
            RenderGates(output, result.Gates);
        }
        return result.Promoted || result.Unchanged ? 0 : Refused;
    }
}

/// <summary>What a registry command shares with its catalog feed: the store, the project it stands for, and the catalog.</summary>
internal sealed class RegistrySession(IMlOpsStore store, string project, Func<ICatalogStore> catalog)
{
    public IMlOpsStore Store { get; } = store;

    public string Project { get; } = project;

    public Func<ICatalogStore> Catalog { get; } = catalog;

    /// <summary>Catalog write failures of the command's own records (the feed's are the hub's handler errors).</summary>
    public List<Exception> CatalogErrors { get; } = [];
}
