using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MlOps.Storage;

namespace MlOps.Cli.Commands;

/// <summary>
/// `mlops store migrate|info`: copy a store into an empty one (either backend to either) and prove nothing was lost;
/// show what a store is and holds. Exit codes: 0 done (migrate: verified), 1 error or mismatch, 2 usage error.
/// </summary>
internal static class StoreCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var store = new Command("store", "The store itself: copy one into another (e.g. a local folder to a team PostgreSQL server), or show what one holds.");
        store.Subcommands.Add(BuildMigrate(output, error));
        store.Subcommands.Add(BuildInfo(output, error));
        return store;
    }

    private static Command BuildMigrate(TextWriter output, TextWriter error)
    {
        var from = new Option<string>("--from") { Description = "The store to copy: a folder (embedded LiteDB) or a postgres://user@host:5432/db URL.", Required = true };
        var to = new Option<string>("--to") { Description = "An empty store to fill: a new folder, or a postgres://user@host:5432/db URL (the database is created if missing).", Required = true };
        var batch = new Option<int>("--batch") { Description = "Logged predictions copied per transaction.", DefaultValueFactory = _ => StoreMigration.DefaultPredictionBatch };
        var command = new Command("migrate", "Copy every record and artifact of one store into an empty store, then verify each kind (count and SHA-256) and every artifact.")
        {
            from, to, batch, CommonOptions.Json,
        };
        command.SetAction(parse =>
        {
            var json = parse.GetValue(CommonOptions.Json);
            var (source, target) = (parse.GetValue(from)!, parse.GetValue(to)!);
            if (SameLocation(source, target) || parse.GetValue(batch) < 1)
            {
                error.WriteLine(parse.GetValue(batch) < 1 ? "error: --batch must be 1 or more." : "error: --from and --to name the same store. Name a new, empty store as --to.");
                error.WriteLine("Run with --help to see the options.");
                return 2;
            }
            return Guarded(parse, output, error, () =>
            {
                var progress = new MigrationConsole(error);
                var result = StoreMigration.Run(source, target, json ? null : progress, parse.GetValue(batch));
                progress.Flush();
                if (json)
                    output.WriteLine(JsonShapes.Write(Json(result)));
                else
                    Render(output, result);
                if (result.Verified)
                    return 0;
                error.WriteLine($"error: verification failed, the target differs from the source in: {result.Mismatch}. " +
                    "Do not use the target; fix the cause (e.g. restore a corrupt artifact in the source) and migrate again into a new, empty store.");
                return 1;
            });
        });
        return command;
    }

    private static Command BuildInfo(TextWriter output, TextWriter error)
    {
        var command = new Command("info", "What a store is and holds: backend, location, schema version, counts, artifact directory.") { CommonOptions.Store, CommonOptions.Json };
        command.SetAction(parse => Guarded(parse, output, error, () =>
        {
            var setting = StoreSettings.Store(parse.GetValue(CommonOptions.Store));
            StoreDescription d;
            using (var store = Stores.OpenExisting(setting.Value))
                d = StoreDescription.Of(store);
            if (parse.GetValue(CommonOptions.Json))
            {
                output.WriteLine(JsonShapes.Write(new JsonObject
                {
                    ["backend"] = d.Backend, ["location"] = d.Location, ["from"] = setting.Source, ["schemaVersion"] = d.SchemaVersion,
                    ["runs"] = d.Runs, ["models"] = d.Models, ["versions"] = d.Versions, ["predictions"] = d.Predictions,
                    ["catalogRecords"] = d.CatalogRecords, ["artifacts"] = d.Artifacts, ["artifactDirectory"] = d.ArtifactDirectory,
                }));
                return 0;
            }
            foreach (var (name, value) in new (string, object?)[]
                     {
                         ("backend", d.Backend), ("location", $"{d.Location} (from {setting.Source})"), ("schema version", d.SchemaVersion), ("runs", d.Runs),
                         ("models", d.Models), ("versions", d.Versions), ("predictions", d.Predictions), ("catalog records", d.CatalogRecords),
                         ("artifacts", $"{d.Artifacts:N0} in {d.ArtifactDirectory}"),
                     })
                output.WriteLine($"{name,-16} {(value is long n ? n.ToString("N0", CultureInfo.InvariantCulture) : value)}");
            return 0;
        }));
        return command;
    }

    /// <summary>The `mlops store migrate --json` contract.</summary>
    private static JsonObject Json(MigrationResult r) => new()
    {
        ["from"] = r.From,
        ["to"] = r.To,
        ["kinds"] = new JsonArray(r.Kinds.Select(k => (JsonNode)new JsonObject
        {
            ["kind"] = k.Kind, ["source"] = k.Source, ["target"] = k.Target, ["sha256"] = k.Sha256, ["match"] = k.Match,
        }).ToArray()),
        ["artifacts"] = new JsonObject
        {
            ["source"] = r.Artifacts.Source, ["target"] = r.Artifacts.Target, ["bytes"] = r.Artifacts.Bytes, ["match"] = r.Artifacts.Match,
            ["missing"] = Strings(r.Artifacts.Missing), ["unexpected"] = Strings(r.Artifacts.Unexpected), ["corrupt"] = Strings(r.Artifacts.Corrupt),
        },
        ["seconds"] = Math.Round(r.Seconds, 3),
        ["verified"] = r.Verified,
    };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static void Render(TextWriter output, MigrationResult r)
    {
        output.WriteLine($"Migrated {r.From} -> {r.To} in {r.Seconds:0.0} s");
        output.WriteLine($"{"kind",-16} {"source",12} {"target",12}  {"sha256",-12}");
        foreach (var k in r.Kinds)
            output.WriteLine($"{k.Kind,-16} {k.Source,12:N0} {k.Target,12:N0}  {k.Sha256[..12]}  {(k.Match ? "ok" : "MISMATCH")}");
        var a = r.Artifacts;
        output.WriteLine($"{"artifacts",-16} {a.Source,12:N0} {a.Target,12:N0}  {Size(a.Bytes),12}  {(a.Match ? "ok" : "MISMATCH")}");
        output.WriteLine(r.Verified ? "Verified: every record kind and every artifact matches." : $"NOT verified: {r.Mismatch}");
    }

    private static string Size(long bytes) => bytes < 1024 * 1024
        ? $"{bytes / 1024.0:0.0} KB"
        : $"{bytes / (1024.0 * 1024):0.0} MB";

    private static bool SameLocation(string a, string b) =>
        a.Contains("://", StringComparison.Ordinal) || b.Contains("://", StringComparison.Ordinal)
            ? string.Equals(a, b, StringComparison.OrdinalIgnoreCase)
            : Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)) == Path.TrimEndingDirectorySeparator(Path.GetFullPath(b));

    private static int Guarded(ParseResult parse, TextWriter output, TextWriter error, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (MlOpsException e)
        {
            return CommonOptions.Fail(parse, output, error, e);
        }
    }

    /// <summary>
    /// Progress lines on stderr: one per kind copied or verified; the prediction log at most once a second, with its rate.
    /// </summary>
    private sealed class MigrationConsole(TextWriter error) : IProgress<MigrationProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _printed = TimeSpan.FromSeconds(-1);
        private MigrationProgress? _pending;

        public void Report(MigrationProgress value)
        {
            if (value.RowsPerSecond is not null)
            {
                _pending = value;
                if (_clock.Elapsed - _printed >= TimeSpan.FromSeconds(1))
                    Flush();
                return;
            }
            Flush();
            Print(value);
        }

        /// <summary>Print the last prediction-log report not shown yet (the final count).</summary>
        public void Flush()
        {
            if (_pending is { } pending)
                Print(pending);
            _pending = null;
        }

        private void Print(MigrationProgress value)
        {
            _printed = _clock.Elapsed;
            var verb = value.Phase == "copy" ? "copied" : "verified";
            var rate = value.RowsPerSecond is { } r ? $" ({r.ToString("N0", CultureInfo.InvariantCulture)} rows/s)" : "";
            error.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {verb} {value.Kind}: {value.Records.ToString("N0", CultureInfo.InvariantCulture)}{rate}");
            error.Flush();
        }
    }
}
