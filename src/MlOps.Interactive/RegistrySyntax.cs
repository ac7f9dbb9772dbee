namespace MlOps.Interactive;

/// <summary>
/// The registry directives, one per CLI verb with the same options (a test keeps them equal): `#!register`,
/// `#!promote`, `#!rollback`, `#!gate` and `#!models list|show|alias|unalias|lineage|trained-on`. As with
/// #!experiment, --json is left out (the value reaches the next cell instead) and --var is added.
/// </summary>
internal static class RegistrySyntax
{
    public const string Models = "#!models";

    private static readonly OptionSpec Model = new("--model", "The registered model's name (letters, digits, '-', '_', '.').", Required: true);
    private static readonly OptionSpec Version = new("--version", "The model version number.", Required: true) { NumberKind = "an integer" };
    private static readonly OptionSpec Gates = new("--gates", "Gate declarations per model (YAML; default: gates.yaml in the working directory, when present).");
    private static readonly OptionSpec Reason = new("--reason", "Why (stored in the audit trail).", Required: true);
    private static readonly OptionSpec ExtraGate = new("--gate", "An extra metric threshold, e.g. \"auc >= 0.95\" (repeatable; added to the declared gates).", Repeatable: true) { Separator = ';' };
    private static readonly OptionSpec AcceptSchemaChange = new("--accept-schema-change", "Accept a signature not compatible with Production's.", Flag: true);
    private static readonly OptionSpec Alias = new("--alias", "The alias, e.g. champion or challenger (letters, digits, '-', '_', '.').", Required: true);

    public static readonly SubcommandSpec Register = new("register", "Register a run's model as the next version of a named model (artifact SHA-256 verified).",
    [
        new("--run", "The run to register (id or unique prefix of 4+ characters)."),
        new("--best", "Register the best finished run of --experiment by --metric instead of --run.", Flag: true),
        new("--experiment", "With --best: the experiment to pick from."),
        new("--metric", "With --best: the metric to rank by (default: the task's primary metric)."),
        new("--description", "Free text stored with the version."),
        Model with { Description = "The model to add a version to (created on first registration)." },
        new("--reuse", "If this run is already a version of the model, answer that version instead of refusing (notebooks and pipelines that re-run on the same store).", Flag: true),
    ]) { Directive = "#!register" };

    public static readonly SubcommandSpec Promote = new("promote", "Move a model version to a stage; Staging and Production must pass the model's gates.",
    [
        Model, Version,
        new("--stage", "Staging, Production or Archived.", Required: true),
        Reason, ExtraGate,
        new("--keep-previous", "Move the displaced Production version to Staging instead of Archived.", Flag: true),
        AcceptSchemaChange with { Description = "Promote even though the signature is not compatible with Production's." },
        new("--if-needed", "If the version is already in --stage, change nothing and succeed (unchanged: true; its gates are not run again) instead of refusing.", Flag: true),
        Gates,
    ]) { Directive = "#!promote" };

    public static readonly SubcommandSpec Rollback = new("rollback", "Put the previous Production version of a model back in Production (smoke-tested).",
        [Model, Reason, Gates]) { Directive = "#!rollback" };

    public static readonly SubcommandSpec Gate = new("gate", "Run a version's gates (thresholds, smoke, schema, no-regression); the cell fails if any fails.",
    [
        Model, Version,
        new("--stage", "The stage the gates are for: Staging or Production (default Production)."),
        ExtraGate, AcceptSchemaChange, Gates,
    ]) { Directive = "#!gate" };

    public static readonly SubcommandSpec List = new("list", "List registered models with their versions.", []) { Directive = Models };

    public static readonly SubcommandSpec Show = new("show", "Show a model: every version (stage, aliases, metrics), its history and gate runs.",
        [new("--name", "The model's name.", Positional: true, Required: true)]) { Directive = Models };

    public static readonly SubcommandSpec AliasSet = new("alias", "Point an alias at a version (it leaves whichever version of the model had it).",
        [Model, Version, Alias]) { Directive = Models };

    public static readonly SubcommandSpec Unalias = new("unalias", "Remove an alias from a model (no version carries it afterwards).",
        [Model, Alias]) { Directive = Models };

    public static readonly SubcommandSpec Lineage = new("lineage", "Where a version came from: its run, params, featurizer code hash and data fingerprint.",
        [Model, Version]) { Directive = Models };

    public static readonly SubcommandSpec TrainedOn = new("trained-on", "Every registered version trained on the data with this fingerprint.",
        [new("--data", "The data fingerprint (SHA-256, or its first 8+ characters).", Required: true)]) { Directive = Models };

    /// <summary>The verb directives (one spec each).</summary>
    public static readonly IReadOnlyList<SubcommandSpec> Verbs = [Register, Promote, Rollback, Gate];

    /// <summary>The subcommands of #!models (the CLI's `mlops models ...`).</summary>
    public static readonly IReadOnlyList<SubcommandSpec> ModelsSubcommands = [List, Show, AliasSet, Unalias, Lineage, TrainedOn];

    public static readonly IReadOnlyList<SubcommandSpec> All = [.. Verbs, .. ModelsSubcommands];
}
