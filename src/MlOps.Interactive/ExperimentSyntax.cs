namespace MlOps.Interactive;

/// <summary>
/// The options of #!experiment: those of `mlops experiment` (same names, same meanings; a test keeps them equal),
/// minus --json (in a notebook the value reaches the next cell instead), plus --var. Both the kernel's directive
/// declaration and <see cref="DirectiveLine"/> are built from this one table.
/// </summary>
internal static class ExperimentSyntax
{
    public const string Directive = "#!experiment";

    /// <summary>Options every subcommand takes (the CLI's recursive options).</summary>
    public static readonly IReadOnlyList<OptionSpec> Shared =
    [
        new("--store", "Store location: a folder (embedded LiteDB) or a postgres://user@host:5432/db URL (default: $MLOPS_STORE, else store in mlops.yaml, else .mlops in the working directory)."),
        new("--var", "Name of the C# variable the result is stored in for the next cells (default: per command, e.g. lastExperiment, lastRun, lastVersion, lastPromotion)."),
    ];

    public static readonly SubcommandSpec Run = new("run", "Run an experiment: load -> validate -> featurize -> split -> train -> evaluate, tracked and cached.",
    [
        new("--name", "Experiment name (runs are grouped under it).", Required: true),
        new("--data", "A CSV file or a folder of CSVs, or the name of a C# variable holding a DataFrame or IDataView (param: data.path)."),
        new("--label", "Label column or C# expression, e.g. \"world_rank < 50\" (param: featurize.label)."),
        new("--features", "Feature columns, comma-separated (param: featurize.features); default: every usable column."),
        new("--categorical", "Columns to encode as categories (param: featurize.categorical)."),
        new("--filter", "Keep rows where this C# expression is true, e.g. \"world_rank <= 100\" (param: featurize.filter)."),
        new("--trainer", "Trainer name or auto (param: train.trainer). Default: auto."),
        new("--task", "binary | multiclass | regression (param: train.task); inferred from the label when left out."),
        new("--split-by", "Split by this column: its last value validates (param: split.by)."),
        new("--test-fraction", "Random split: share of rows that validate (param: split.test_fraction, default 0.2).") { NumberKind = "a number" },
        new("--seed", "Seed for the split and the trainers (param: seed, default 42).") { NumberKind = "an integer" },
        new("--params", "Params file (YAML or JSON, like DVC's params.yaml)."),
        new("--set", "Override a parameter: key=value; key=v1,v2,v3 sweeps (one run per combination). Repeatable.", Repeatable: true),
        new("--force", "Re-run every stage, ignoring the stage cache.", Flag: true),
        new("--feature-importance", "Compute permutation feature importance (param: evaluate.feature_importance).", Flag: true),
        new("--parallel", "Runs trained at once (default: the core count).") { NumberKind = "an integer" },
        new("--quiet", "No live progress display.", Flag: true),
    ]);

    public static readonly SubcommandSpec List = new("list", "List runs (filter, sort by a metric, best run) or, with --experiments, the experiments.",
    [
        new("--name", "Only runs of this experiment."),
        new("--status", "Only runs with this status: running, finished, failed."),
        new("--trainer", "Only runs of this trainer."),
        new("--sort", "Sort by this metric (best first: highest, or lowest for rmse/mae/log_loss)."),
        new("--limit", "At most this many runs.") { NumberKind = "an integer" },
        new("--best", "Only the best run by --sort (default: the task's primary metric).", Flag: true),
        new("--experiments", "List the experiments (runs and last run of each) instead of runs.", Flag: true),
    ]);

    public static readonly SubcommandSpec Show = new("show", "Show one run: params, metrics, stages, data fingerprint, model, charts.",
    [
        new("--run", "Run id or a unique prefix (4+ characters).", Positional: true, Required: true),
    ]);

    public static readonly SubcommandSpec Compare = new("compare", "Compare runs: differing params, metric deltas, curves side by side.",
    [
        new("--runs", "Two or more run ids (or unique prefixes).", Repeatable: true, Positional: true, Required: true),
        new("--all", "Show every parameter, not only those that differ.", Flag: true),
    ]);

    public static readonly SubcommandSpec Export = new("export", "Export a run with its artifacts to one file, for a colleague to import.",
    [
        new("--run", "Run id or unique prefix.", Positional: true, Required: true),
        new("--out", "The file to write (a zip with the run, its details and artifacts).", Required: true),
    ]);

    public static readonly SubcommandSpec Import = new("import", "Import a run exported by a colleague (artifacts verified by SHA-256).",
    [
        new("--file", "A file written by `mlops experiment export` or `#!experiment export`.", Positional: true, Required: true),
    ]);

    public static readonly IReadOnlyList<SubcommandSpec> Subcommands = [Run, List, Show, Compare, Export, Import];
}
