namespace MlOps.Interactive;

/// <summary>
/// `#!monitor` (check a window, as `mlops monitor`) and `#!monitor history` (the time view, as `mlops monitor
/// history`): the CLI's options (a test keeps them equal), less --json, plus --var.
/// </summary>
internal static class MonitorSyntax
{
    public const string Directive = "#!monitor";

    private static readonly OptionSpec Model = new("--model", "The registered model's name (letters, digits, '-', '_', '.').", Required: true);

    public static readonly SubcommandSpec Check = new("check", "Check a registered model on a window of new data (drift, schema, predictions, performance), decide 1/2a/2b/3, and act with --apply.",
    [
        Model,
        new("--data", "The window: a CSV of new rows (with the label column when the ground truth has arrived). Or --from-log."),
        new("--from-log", "Take the window from the prediction log (served rows, no labels) instead of --data; see --since and --until.", Flag: true),
        new("--since", "With --from-log: the window starts here (UTC, e.g. 2026-11-27T00:00:00Z; default: the first logged row)."),
        new("--until", "With --from-log: the window ends before this (UTC; default: now)."),
        new("--version", "Monitor this version (default: the one in --stage).") { NumberKind = "an integer" },
        new("--stage", "Monitor the version in this stage (default Production)."),
        new("--apply", "Carry out the decisions the policy runs on its own (1 retrain, 2a new model search; promoted only through the gates) and open records for the others.", Flag: true),
        new("--dry-run", "Show what an automatic decision would train (params, data) without training, registering or recording anything.", Flag: true),
        new("--window", "The window's id in the time view (default: the data file's name)."),
        new("--catalog", "Catalog location: a folder (embedded LiteDB) or a postgres://user@host:5432/db URL (default: $MLOPS_CATALOG, else catalog in mlops.yaml, else ~/.mlops/catalog)."),
        new("--gates", "Gate declarations per model (YAML; default: gates.yaml in the working directory, when present)."),
    ]) { Directive = Directive, IsDefault = true };

    public static readonly SubcommandSpec History = new("history", "The time view: every stored window of a model (status, primary metric, drift share), oldest first.",
        [Model]) { Directive = Directive };

    public static readonly IReadOnlyList<SubcommandSpec> All = [Check, History];
}
