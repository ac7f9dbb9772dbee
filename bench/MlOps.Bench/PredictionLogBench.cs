using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MlOps.Data;
using MlOps.Monitoring;
using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Storage.LiteDb;
using MlOps.Storage.Postgres;
using Npgsql;

/// <summary>
/// The prediction log at volume. Ingestion: rows/s into PostgreSQL and LiteDB in the same run, through
/// AppendPredictions in the logger's batches of 2,000 and through PredictionLogger end to end (requests of 10 rows),
/// a fresh store per repetition, medians. Monitoring: a 7-day window of 10,000,000 served predictions bulk-loaded into
/// PostgreSQL, exported and checked in pieces as `mlops monitor --from-log` does, in a child process so that its peak
/// working set and GC heap are its own; optionally (--whole) the whole-window path on the same CSV, also in a child.
/// </summary>
internal static class PredictionLogBench
{
    private const string Model = "bench";
    private static readonly DateTime T0 = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Inputs = ["alumni_employment", "publications", "citations", "quality_of_education", "country", "national_rank"];

    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "--child")
            return Child(args[1..]);
        string Option(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        var rows = int.Parse(Option("--rows", "200000"), CultureInfo.InvariantCulture);
        var repetitions = int.Parse(Option("--repetitions", "5"), CultureInfo.InvariantCulture);
        var window = int.Parse(Option("--window", "10000000"), CultureInfo.InvariantCulture);
        var admin = Option("--server", Environment.GetEnvironmentVariable("MLOPS_TEST_POSTGRES") is { Length: > 0 } url ? url : "postgres://mlops:mlops@127.0.0.1:5432/postgres");
        var root = TrackingBench.FindRepoRoot();
        var cwur = TableLoader.LoadCsv(Path.Combine(root, "assets", "data", "world-university-rankings", "cwurData.csv"));
        var work = Directory.CreateTempSubdirectory("mlops-predlog-bench-").FullName;
        var server = new Server(admin);
        try
        {
            Console.WriteLine($"prediction log: {Environment.ProcessorCount} cores, PostgreSQL {server.Version()} on {new Uri(admin).Host}, load average {LoadAverage()}");
            Ingestion(server, cwur, work, rows, repetitions);
            if (window > 0)
                Window(server, root, cwur, work, window, args.Contains("--whole"));
            return 0;
        }
        finally
        {
            server.DropAll();
            Directory.Delete(work, recursive: true);
        }
    }

    // ---- ingestion --------------------------------------------------------------------------------------------

    private static void Ingestion(Server server, Table cwur, string work, int rows, int repetitions)
    {
        var predictions = Enumerable.Range(0, rows).Select(i => Served(cwur, i, rows)).ToList();
        var version = new ModelVersion { Model = Model, Version = 1, RunId = "bench", Artifact = new MlOps.Tracking.ArtifactRef(new string('0', 64), 0, "model") };
        // Requests of 10 rows as a server logs them: the raw cells and the model's answers.
        var requests = Enumerable.Range(0, rows / 10).Select(r => (
            Input: new ScoringInput(Inputs, Enumerable.Range(r * 10, 10).Select(i => Inputs.Select(c => predictions[i].Inputs[c]).ToArray()).ToList()),
            Answers: Enumerable.Range(r * 10, 10).Select(_ => new Prediction(false, Score: 0.2, Probability: 0.2)).ToArray())).ToList();

        var stores = new (string Name, Func<IPredictionLogStore> Open)[]
        {
            ("PostgreSQL", () => PostgresStore.Open(server.NewDatabase() + "?artifacts=" + Uri.EscapeDataString(Path.Combine(work, "artifacts")))),
            ("LiteDB", () => LiteDbRunStore.Open(Path.Combine(work, "lite-" + Guid.NewGuid().ToString("N")))),
        };
        var results = new Dictionary<(string Store, string Path), double>();
        foreach (var (name, open) in stores)
        {
            results[(name, "append")] = Median(repetitions, open, store =>
            {
                for (var start = 0; start < rows; start += 2_000)
                    store.AppendPredictions(predictions.GetRange(start, Math.Min(2_000, rows - start)));
            });
            results[(name, "logger")] = Median(repetitions, open, store =>
            {
                var logger = new PredictionLogger(store, new PredictionLoggerOptions { Capacity = rows + 1 });
                foreach (var (input, answers) in requests)
                    logger.Log(version, input, answers, "serve");
                logger.DisposeAsync().AsTask().GetAwaiter().GetResult();
                if (logger.Written != rows)
                    throw new InvalidOperationException($"the logger wrote {logger.Written} of {rows} rows ({logger.Dropped} dropped, {logger.Failed} failed)");
            });
        }
        Console.WriteLine($"ingestion of {rows:N0} predictions (6 inputs each), median of {repetitions}, fresh store each:");
        Console.WriteLine("| path | PostgreSQL | LiteDB | PostgreSQL / LiteDB |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (path, label) in new[] { ("append", "AppendPredictions, batches of 2,000"), ("logger", "PredictionLogger (requests of 10 rows), until flushed") })
        {
            double pg = rows / results[("PostgreSQL", path)], lite = rows / results[("LiteDB", path)];
            Console.WriteLine($"| {label} | {pg:N0} rows/s | {lite:N0} rows/s | {pg / lite:0.00}x |");
        }
    }

    /// <summary>Median seconds of <paramref name="work"/> over fresh stores (opening and disposing not timed).</summary>
    private static double Median(int repetitions, Func<IPredictionLogStore> open, Action<IPredictionLogStore> work)
    {
        var times = new List<double>();
        for (var i = 0; i < repetitions; i++)
        {
            var store = open();
            try
            {
                var clock = Stopwatch.StartNew();
                work(store);
                times.Add(clock.Elapsed.TotalSeconds);
            }
            finally
            {
                ((IDisposable)store).Dispose();
            }
        }
        return times.Order().ElementAt(times.Count / 2);
    }

    /// <summary>Row <paramref name="i"/> of <paramref name="total"/>: cwurData's rows in turn over 7 days; publications on another scale in the second half.</summary>
    private static LoggedPrediction Served(Table cwur, long i, long total)
    {
        var r = (int)(i % cwur.RowCount);
        var inputs = new Dictionary<string, object?>(Inputs.Length, StringComparer.Ordinal);
        foreach (var c in Inputs)
        {
            var text = cwur[c].Text![r];
            inputs[c] = c == "country" ? text
                : text is null ? null
                : double.Parse(text, CultureInfo.InvariantCulture) * (c == "publications" && i >= total / 2 ? 1.5 : 1);
        }
        return new LoggedPrediction(Model, 1, T0.AddTicks(i * (TimeSpan.FromDays(7).Ticks / total)), "serve", inputs, "False", 0.2, 0.2);
    }

    // ---- a 7-day window of millions of rows -------------------------------------------------------------------

    private static void Window(Server server, string root, Table cwur, string work, int rows, bool whole)
    {
        var url = server.NewDatabase() + "?artifacts=" + Uri.EscapeDataString(Path.Combine(work, "artifacts"));
        var clock = Stopwatch.StartNew();
        using (var store = PostgresStore.Open(url))
        {
            const int batch = 50_000;
            for (var start = 0; start < rows; start += batch)
                store.AppendPredictions(Enumerable.Range(start, Math.Min(batch, rows - start)).Select(i => Served(cwur, i, rows)).ToList());
            var load = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"bulk load of {rows:N0} predictions over 7 days (AppendPredictions, batches of {batch:N0}): {load:F0} s, {rows / load:N0} rows/s; " +
                $"table and indexes {server.Size(url):N0} MB");
            clock.Restart();
            var first = store.ReadPredictions(Model, source: "serve", from: T0, to: T0.AddDays(7)).First();
            Console.WriteLine($"first row of the 7-day window read and the rest cancelled: {clock.Elapsed.TotalMilliseconds:F0} ms");
        }

        // The model the window is checked against: params.yaml on cwurData, in an embedded store (profile from its training rows).
        var registry = Path.Combine(work, "registry");
        using (var lite = LiteDbRunStore.Open(registry))
        {
            var p = ParamSet.Load(Path.Combine(root, "params.yaml")).With("data.path", Path.Combine(root, "assets", "data", "world-university-rankings", "cwurData.csv"));
            var outcome = new Experiments(lite).Run(new ExperimentRequest { Name = "bench", Params = p });
            var version = ModelRegistry.Over(lite, new RegistryEventHub()).Register(outcome.Runs.Single().Run.Id, Model);
            ReferenceProfiles.GetOrBuild(version, lite);
        }

        Console.WriteLine("| window | export from PostgreSQL | check | peak working set | peak GC heap (sampled) | result |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|");
        var streamed = Child(url, registry, work, "pieces");
        Print($"{rows:N0} rows in pieces of {ModelMonitor.PieceRows:N0}", streamed);
        if (whole)
            Print($"{rows:N0} rows whole (as a --data file)", Child(url, registry, streamed.GetProperty("csv").GetString()!, "whole"));
    }

    private static void Print(string what, JsonElement r) => Console.WriteLine(
        $"| {what} | {(r.GetProperty("export").GetDouble() is > 0 and var e ? $"{e:F1} s" : "-")} | {r.GetProperty("check").GetDouble():F1} s | {r.GetProperty("peakWorkingSetMb").GetDouble():N0} MB | " +
        $"{r.GetProperty("peakHeapMb").GetDouble():N0} MB | {r.GetProperty("status").GetString()}, {r.GetProperty("failed").GetInt32()} checks failed, PSI(publications) {r.GetProperty("publicationsPsi").GetDouble():0.####} |");

    private static JsonElement Child(string url, string registry, string work, string mode)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath() };
        foreach (var a in new[] { typeof(PredictionLogBench).Assembly.Location, "prediction-log", "--child", mode, url, registry, work })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"the {mode} child failed ({process.ExitCode}): {output}");
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
    }

    /// <summary>
    /// In a child process: "pieces" exports the week from the store and checks it in pieces (MonitorLoop's --from-log
    /// path); "whole" loads an exported CSV whole and checks it (the --data path). Prints one JSON line.
    /// </summary>
    private static int Child(string[] args)
    {
        var (mode, url, registry, path) = (args[0], args[1], args[2], args[3]);
        long peakHeap = 0;
        using var stop = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            while (!stop.Wait(2))
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: false));
        }) { IsBackground = true };
        sampler.Start();

        using var lite = LiteDbRunStore.Open(registry);
        var version = ModelRegistry.Over(lite, new RegistryEventHub()).Version(Model, 1);
        using var monitor = new ModelMonitor(version, lite.FindProfile(Model, 1)!, lite.Artifacts);
        var clock = Stopwatch.StartNew();
        double export = 0;
        MonitoringReport report;
        var csv = path;
        if (mode == "pieces")
        {
            using (var store = PostgresStore.Open(url))
                csv = LoggedWindow.Export(store, Model, path, T0, T0.AddDays(7));
            export = clock.Elapsed.TotalSeconds;
            clock.Restart();
            report = monitor.Check(TableLoader.LoadCsvChunks(csv, ModelMonitor.PieceRows), "week");
        }
        else
            report = monitor.Check(TableLoader.Load(csv), "week");
        var check = clock.Elapsed.TotalSeconds;
        stop.Set();
        sampler.Join();
        using var self = Process.GetCurrentProcess();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            export, check, csv, rows = report.Rows, status = report.Status,
            failed = report.Failed.Count(), publicationsPsi = report.Checks.Single(c => c.Name == CheckNames.Psi && c.Feature == "publications").Value,
            peakWorkingSetMb = self.PeakWorkingSet64 / 1e6, peakHeapMb = peakHeap / 1e6,
        }));
        return 0;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    /// <summary>Throw-away databases on the server behind an admin URL, dropped at the end.</summary>
    private sealed class Server(string admin)
    {
        private readonly List<string> _created = [];

        public string NewDatabase()
        {
            var name = "mlops_bench_" + Guid.NewGuid().ToString("N")[..12];
            Execute($"CREATE DATABASE {name}");
            _created.Add(name);
            var uri = new Uri(admin);
            return $"{uri.Scheme}://{uri.UserInfo}@{uri.Host}:{(uri.Port > 0 ? uri.Port : 5432)}/{name}";
        }

        public string Version() => (string)Scalar(null, "SHOW server_version")!;

        public long Size(string url) => Convert.ToInt64(Scalar(new Uri(url).AbsolutePath.Trim('/'), "SELECT pg_total_relation_size('predictions')")) / 1_000_000;

        public void DropAll()
        {
            NpgsqlConnection.ClearAllPools();
            foreach (var name in _created)
                Execute($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }

        private void Execute(string sql) => Scalar(null, sql);

        private object? Scalar(string? database, string sql)
        {
            var uri = new Uri(admin);
            var user = uri.UserInfo.Split(':', 2);
            var builder = new NpgsqlConnectionStringBuilder
            {
                Host = uri.Host, Port = uri.Port > 0 ? uri.Port : 5432, Username = Uri.UnescapeDataString(user[0]),
                Password = user.Length == 2 ? Uri.UnescapeDataString(user[1]) : null, Database = database ?? uri.AbsolutePath.Trim('/'), Pooling = false,
            };
            using var connection = new NpgsqlConnection(builder.ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            return command.ExecuteScalar();
        }
    }
}
