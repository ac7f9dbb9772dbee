namespace MlOps.Interactive;

/// <summary>`#!catalog list|show|describe|correct|export`: the options of `mlops catalog ...` (a test keeps them equal).</summary>
internal static class CatalogSyntax
{
    public const string Directive = "#!catalog";

    private static readonly IReadOnlyList<OptionSpec> Shared =
    [
        new("--catalog", "Catalog location: a folder (embedded LiteDB) or a postgres://user@host:5432/db URL (default: $MLOPS_CATALOG, else catalog in mlops.yaml, else ~/.mlops/catalog)."),
        new("--var", "Name of the C# variable the result is stored in (default: lastCatalog, lastCatalogEntry or lastCatalogRecord)."),
    ];

    public static readonly SubcommandSpec List = new("list", "List (and search) the catalog's models.",
    [
        new("--owner", "Only models of this owner."),
        new("--tag", "Only models with this tag."),
        new("--status", "Only models with this monitoring status (healthy, degraded, acted, unknown), or 'production'."),
        new("--data-source", "Only models trained on a data source containing this text (e.g. cwurData)."),
        new("--trained-on", "Only models trained on the data with this fingerprint (SHA-256 or its first 8+ characters)."),
        new("--project", "Only models of this project."),
    ]) { Directive = Directive, Shared = Shared };

    public static readonly SubcommandSpec Show = new("show", "One model: its facts and its whole history (registrations, promotions with gates, descriptions, decisions).",
        [new("--model", "The model's name.", Positional: true, Required: true)]) { Directive = Directive, Shared = Shared };

    public static readonly SubcommandSpec Describe = new("describe", "State a model's owner, purpose, tags or data sources (a new record; earlier ones stay).",
    [
        new("--model", "The model to describe.", Required: true),
        new("--owner", "Who answers for the model."),
        new("--purpose", "What it is for, in one sentence."),
        new("--tag", "A tag (repeatable).", Repeatable: true),
        new("--data-source", "A data source it depends on (repeatable).", Repeatable: true),
    ]) { Directive = Directive, Shared = Shared };

    public static readonly SubcommandSpec Correct = new("correct", "Correct a record: a new record replaces its facts in every view; the old one stays in the history.",
    [
        new("--record", "The id of the record to correct.", Required: true),
        new("--set", "A corrected fact: name=value (repeatable).", Repeatable: true, Required: true),
        new("--reason", "Why the record was wrong.", Required: true),
    ]) { Directive = Directive, Shared = Shared };

    public static readonly SubcommandSpec Export = new("export", "Export the catalog as a static HTML page a manager opens without any notebook.",
        [new("--html", "The HTML file to write.", Required: true)]) { Directive = Directive, Shared = Shared };

    public static readonly IReadOnlyList<SubcommandSpec> All = [List, Show, Describe, Correct, Export];
}
