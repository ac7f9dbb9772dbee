using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Storage;

namespace MlOps.Cli.Commands;

/// <summary>
/// `mlops deploy batch --model &lt;name&gt; [--stage|--alias|--version] --input &lt;csv&gt; --output &lt;csv&gt; [--rejects] [--key]
/// [--log-sample-rate] [--json]`: score a CSV file with a registered version, recorded as a run of `&lt;model&gt;.scoring`.
/// JSON contract: {"rows", "rejected", "seconds", "rowsPerSecond"} first, then "scored", "output", "rejects", "run",
/// "model", "version", "metrics".
/// </summary>
internal static class DeployBatchCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var stage = new Option<string?>("--stage") { Description = "Score with the version in this stage: Production (default) or Staging." };
        var alias = new Option<string?>("--alias") { Description = "Score with the version that has this alias (e.g. champion)." };
        var version = new Option<int?>("--version") { Description = "Score with this version number." };
        var input = new Option<string>("--input") { Description = "The CSV file to score (a header line, then rows).", Required = true };
        var outputFile = new Option<string>("--output") { Description = "Where the scores go (CSV): the key columns, then the prediction columns.", Required = true };
        var rejects = new Option<string?>("--rejects") { Description = "Where rows that fail validation go, with line and reason (default: <output>.rejects.csv)." };
        var keys = new Option<string?>("--key") { Description = "Input columns copied to each output row, comma-separated (default: every input column that is not a model input)." };
        var sampleRate = new Option<double>("--log-sample-rate") { Description = "Share of scored rows (0..1) written to the store's prediction log with source \"batch\" (default 0: none)." };
        var command = new Command("batch", "Score a CSV file with a registered model version; bad rows go to a rejects file and the rest are scored.")
        {
            RegistryCli.Model, stage, alias, version, input, outputFile, rejects, keys, sampleRate, CommonOptions.Store, CommonOptions.Json,
        };
        command.SetAction(parse =>
        {
            var json = parse.GetValue(CommonOptions.Json);
            try
            {
                using var store = Stores.Open(parse.GetValue(CommonOptions.Store));
                var chosen = ServedVersion.Resolve(ModelRegistry.Over(store), parse.GetValue(RegistryCli.Model)!, parse.GetValue(stage), parse.GetValue(alias), parse.GetValue(version));
                using var scorer = ModelScorer.Load(chosen, store.Artifacts);
                var (result, logger) = BatchScorer.ScoreTracked(store, scorer, new BatchScoringOptions
                {
                    Input = parse.GetValue(input)!,
                    Output = parse.GetValue(outputFile)!,
                    Rejects = parse.GetValue(rejects),
                    Keys = parse.GetValue(keys)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                    Progress = json ? null : Progress(error),
                }, parse.GetValue(sampleRate));
                if (json)
                    output.WriteLine(JsonShapes.Write(Json(result, chosen, logger)));
                else
                    Render(output, result, chosen, logger);
                return 0;
            }
            catch (MlOpsException e)
            {
                return CommonOptions.Fail(parse, output, error, e);
            }
        });
        return command;
    }

    /// <summary>At most one progress line a second on stderr, so long files show they are moving.</summary>
    private static Action<long> Progress(TextWriter error)
    {
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        return rows =>
        {
            if (clock.Elapsed - last < TimeSpan.FromSeconds(1))
                return;
            last = clock.Elapsed;
            error.WriteLine($"  {rows.ToString("N0", CultureInfo.InvariantCulture)} rows read ({rows / clock.Elapsed.TotalSeconds:N0} rows/s)");
        };
    }

    private static JsonObject Json(BatchScoringResult r, ModelVersion v, PredictionLogger? logger)
    {
        var json = new JsonObject
        {
            ["rows"] = r.Rows,
            ["rejected"] = r.Rejected,
            ["seconds"] = Math.Round(r.Seconds, 4),
            ["rowsPerSecond"] = Math.Round(r.RowsPerSecond, 1),
            ["scored"] = r.Scored,
            ["output"] = r.Output,
            ["rejects"] = r.Rejects,
            ["run"] = r.RunId,
            ["model"] = v.Model,
            ["version"] = v.Version,
            ["metrics"] = JsonShapes.Metrics(r.Metrics),
            ["evaluation"] = r.Evaluation,
        };
        if (logger is not null)
            json["logged"] = new JsonObject { ["written"] = logger.Written, ["dropped"] = logger.Dropped, ["failed"] = logger.Failed };
        return json;
    }

    private static void Render(TextWriter output, BatchScoringResult r, ModelVersion v, PredictionLogger? logger)
    {
        var n = (long x) => x.ToString("N0", CultureInfo.InvariantCulture);
        output.WriteLine($"Scored {n(r.Scored)} of {n(r.Rows)} rows with '{v.Model}' v{v.Version} in {r.Seconds:F2}s ({n((long)r.RowsPerSecond)} rows/s) -> {r.Output}");
        output.WriteLine(r.Rejected > 0
            ? $"Rejected {n(r.Rejected)} rows (line and reason each) -> {r.Rejects}"
            : "Rejected no rows.");
        if (r.Metrics.Count > 0)
            output.WriteLine("Evaluation on the scored rows: " + string.Join(", ", r.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal)
                .Select(m => $"{m.Key} {m.Value.ToString("0.####", CultureInfo.InvariantCulture)}")));
        else if (r.Evaluation is { } why)
            output.WriteLine($"No evaluation ({why.Replace("no evaluation: ", "")}).");
        if (logger is not null)
            output.WriteLine($"Prediction log: {n(logger.Written)} rows written, {n(logger.Dropped)} dropped, {n(logger.Failed)} failed.");
        output.WriteLine($"Recorded as run {r.RunId?[..8]} of experiment '{v.Model}.scoring' (mlops experiment list).");
    }
}
