namespace MlOps.Interactive;

/// <summary>
/// `#!deploy serve|list|stop`: the options of `mlops deploy ...` (a test keeps them equal). `#!deploy --model m` with no
/// subcommand means serve, as the shorthand promises. A notebook's server listens on a free port unless --port says.
/// </summary>
internal static class DeploySyntax
{
    public const string Directive = "#!deploy";

    private static readonly OptionSpec Model = new("--model", "The registered model's name.", Required: true);

    public static readonly SubcommandSpec Serve = new("serve", "Serve a registered model version over HTTP on 127.0.0.1 (MLflow-compatible POST /invocations).",
    [
        Model with { Required = false, Description = "The registered model's name; not with --package." },
        new("--package", "Serve a folder written by `mlops deploy package` (hashes verified at start) instead of a store's version."),
        new("--stage", "Serve the version in this stage: Production (default) or Staging."),
        new("--alias", "Serve the version with this alias (e.g. champion)."),
        new("--version", "Serve this version number.") { NumberKind = "an integer" },
        new("--port", "TCP port (0 = any free port; the notebook's default).") { NumberKind = "an integer" },
        new("--host", "IP address to listen on (default 127.0.0.1). Only loopback unless you open another interface on purpose."),
        new("--token", "Require `Authorization: Bearer <token>` on every route but /health."),
        new("--refuse-extra-columns", "Answer 400 when a request has columns the model does not use (default: ignore them).", Flag: true),
        new("--max-body-bytes", "Largest request body accepted; a larger one is a 400 (REQUEST_TOO_LARGE).") { NumberKind = "an integer" },
        new("--no-follow", "Keep serving the version chosen at start; by default the server switches when the stage or alias moves (promotion, rollback).", Flag: true),
        new("--poll-seconds", "How often to check the registry for a promotion made by another process (default 2).") { NumberKind = "a number" },
        new("--shadow-version", "Also score every request with this version (a challenger) in the background; it never answers.") { NumberKind = "an integer" },
        new("--shadow-alias", "Like --shadow-version, by alias (e.g. challenger)."),
        new("--log-sample-rate", "Share of served rows (0..1) written to the store's prediction log for monitoring (default 1: all; 0: none).") { NumberKind = "a number" },
    ]) { Directive = Directive, IsDefault = true };

    public static readonly SubcommandSpec Package = new("package", "Write a self-contained folder that serves a registered version with only the .NET runtime (no store needed).",
    [
        Model,
        new("--stage", "Package the version in this stage: Production (default) or Staging."),
        new("--alias", "Package the version with this alias (e.g. champion)."),
        new("--version", "Package this version number.") { NumberKind = "an integer" },
        new("--out", "The folder to write (new or empty; see --force).", Required: true),
        new("--force", "Replace an earlier package in --out.", Flag: true),
        new("--no-onnx", "Skip the ONNX export and its check.", Flag: true),
    ]) { Directive = Directive };

    public static readonly SubcommandSpec Batch = new("batch", "Score a CSV file with a registered model version; bad rows go to a rejects file and the rest are scored.",
    [
        Model,
        new("--stage", "Score with the version in this stage: Production (default) or Staging."),
        new("--alias", "Score with the version that has this alias (e.g. champion)."),
        new("--version", "Score with this version number.") { NumberKind = "an integer" },
        new("--input", "The CSV file to score (a header line, then rows).", Required: true),
        new("--output", "Where the scores go (CSV): the key columns, then the prediction columns.", Required: true),
        new("--rejects", "Where rows that fail validation go, with line and reason (default: <output>.rejects.csv)."),
        new("--key", "Input columns copied to each output row, comma-separated (default: every input column that is not a model input)."),
        new("--log-sample-rate", "Share of scored rows (0..1) written to the store's prediction log with source \"batch\" (default 0: none).") { NumberKind = "a number" },
    ]) { Directive = Directive };

    public static readonly SubcommandSpec List = new("list", "Deployments: servers of this store (running ones, or --all), with version, URL, requests and latency.",
    [
        new("--model", "Only this model's deployments."),
        new("--all", "Include stopped deployments.", Flag: true),
    ]) { Directive = Directive };

    public static readonly SubcommandSpec Stop = new("stop", "Stop running servers of a model (or --all).",
    [
        new("--model", "The model whose servers to stop."),
        new("--all", "Stop every running server.", Flag: true),
    ]) { Directive = Directive };

    public static readonly IReadOnlyList<SubcommandSpec> All = [Serve, Batch, Package, List, Stop];
}
