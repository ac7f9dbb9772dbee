using System.Diagnostics;
using LiteDB;
using MlOps.Storage.LiteDb;
using MlOps.Tracking;

/// <summary>
/// Run-store latency on a large store: best run by a metric (indexed, limit 1) against a full scan baseline,
/// and the latency of saving one run, in LiteDB shared mode (the default) and direct mode with retries.
/// usage: store [--runs 100000] [--dir path] [--reps 7]
/// </summary>
public static class StoreBench
{
    internal const string Main = "main";
    private const int ParamCount = 20, MetricCount = 20;

    public static int Run(string[] args)
    {
        var runs = IntOption(args, "--runs", 100_000);
        var reps = Math.Max(5, IntOption(args, "--reps", 7));
        var dir = Option(args, "--dir") ?? Path.Combine(Path.GetTempPath(), "mlops-storebench-" + Guid.NewGuid().ToString("N"));
        var others = Math.Max(1, runs / 100);
        Console.WriteLine($"store bench: {runs:N0} runs in '{Main}' + 4 x {others:N0} in other experiments, {ParamCount} params and {MetricCount} metrics each; {reps} repetitions; {dir}");
        try
        {
            var fill = Stopwatch.StartNew();
            using (var store = LiteDbRunStore.Open(dir))
                Fill(runs, others, store.SaveRuns);
            Console.WriteLine($"fill: {fill.Elapsed.TotalSeconds:F1} s ({new FileInfo(Path.Combine(dir, "mlops.db")).Length / 1e6:F0} MB)");

            var rows = new List<(string Name, double Ms)>();
            using (var store = LiteDbRunStore.Open(dir))
            {
                // Metric indexes are built on the first ordered query; that one-time cost is reported, not hidden.
                var build = Stopwatch.StartNew();
                store.QueryRuns(new RunQuery { Experiment = Main, OrderByMetric = "metric13", Limit = 1 });
                rows.Add(("once: first query by a metric (builds its index)", build.Elapsed.TotalMilliseconds));
            }
            foreach (var mode in new[] { LiteDbConnectionMode.Shared, LiteDbConnectionMode.Direct })
            {
                using var store = LiteDbRunStore.Open(dir, mode);
                var m = mode.ToString().ToLowerInvariant();
                var best = new RunQuery { Experiment = Main, OrderByMetric = "metric07", Limit = 1 };
                Check(store.QueryRuns(best).Single().Metrics["metric07"] == BestOf(store, dir, "metric07"), "indexed best != scanned best");
                rows.Add(($"{m}: best by metric (desc, limit 1)", Median(reps, 50, () => store.QueryRuns(best))));
                rows.Add(($"{m}: best by metric (asc, limit 1)", Median(reps, 50, () => store.QueryRuns(best with { Descending = false }))));
                rows.Add(($"{m}: best by metric, small experiment", Median(reps, 20, () => store.QueryRuns(best with { Experiment = "other2" }))));
                rows.Add(($"{m}: newest 20 of experiment", Median(reps, 20, () => store.QueryRuns(new RunQuery { Experiment = Main, Limit = 20 }))));
                rows.Add(($"{m}: find run by 8-char prefix", Median(reps, 50, () => store.FindRun(RunId(Main, runs / 2)[..8]))));
                rows.Add(($"{m}: list experiments", Median(reps, 50, () => store.ListExperiments())));
                var next = 0;
                rows.Add(($"{m}: save one run (20 params, 20 metrics)", Median(reps, 50, () => store.SaveRun(MakeRun("write-" + m, next++, new Random(next))))));
            }

            // Baseline: what the query costs without the ordered index driving it (every run read and compared).
            rows.Add(("baseline: best by metric, full scan", Median(5, 1, () => BestOf(null, dir, "metric07"))));

            Console.WriteLine();
            Console.WriteLine($"{"operation",-48} {"median ms/call",14}");
            foreach (var (name, ms) in rows) Console.WriteLine($"{name,-48} {ms,14:F3}");
            var scan = rows.Last().Ms;
            Console.WriteLine();
            foreach (var (name, ms) in rows.Where(r => r.Name.Contains("best by metric (desc")))
                Console.WriteLine($"full scan / {name}: {scan / ms:N0}x");
            var shared = rows.Single(r => r.Name == "shared: save one run (20 params, 20 metrics)").Ms;
            var direct = rows.Single(r => r.Name == "direct: save one run (20 params, 20 metrics)").Ms;
            Console.WriteLine($"save: direct / shared = {direct / shared:F2}");
            return 0;
        }
        finally
        {
            if (Option(args, "--dir") is null) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Interleaved runs of every experiment, same seed every time, handed out in transactions of 5,000.</summary>
    internal static void Fill(int runs, int others, Action<IReadOnlyList<Run>> save)
    {
        var random = new Random(42);
        var all = Enumerable.Range(0, runs).Select(i => (Main, i))
            .Concat(Enumerable.Range(0, 4).SelectMany(e => Enumerable.Range(0, others).Select(i => ($"other{e}", i))))
            .OrderBy(_ => random.Next()) // interleaved, as a real store would be
            .ToList();
        foreach (var batch in all.Chunk(5000))
            save(batch.Select(x => MakeRun(x.Item1, x.i, random)).ToList());
    }

    internal static string RunId(string experiment, int i) => $"{(uint)HashCode.Combine(experiment, i) ^ (uint)i * 2654435761u:x8}{experiment}{i:D6}";

    internal static Run MakeRun(string experiment, int i, Random random) => new()
    {
        Id = RunId(experiment, i),
        Experiment = experiment,
        Status = RunStatus.Finished,
        StartedAt = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(random.Next(0, 30_000_000)),
        EndedAt = DateTimeOffset.UtcNow,
        Task = "binary",
        Trainer = i % 2 == 0 ? "FastTree" : "LightGbm",
        Params = Enumerable.Range(0, ParamCount).ToDictionary(p => $"stage{p % 4}.param_{p}", p => random.Next(1000).ToString()),
        Metrics = Enumerable.Range(0, MetricCount).ToDictionary(m => $"metric{m:D2}", _ => random.NextDouble()),
        RunKey = Guid.NewGuid().ToString("N"),
        Tags = new Dictionary<string, string> { ["source"] = "bench" },
    };

    private static double BestOf(LiteDbRunStore? _, string dir, string metric)
    {
        using var db = new LiteDatabase($"Filename={Path.Combine(dir, "mlops.db")};Connection=shared;Collation=en-US/Ordinal");
        var best = double.NegativeInfinity;
        foreach (var doc in db.GetCollection("runs").FindAll())
            if (doc["exp"].AsString == Main && doc["metrics"]["metric07"] is { IsDouble: true } value && value.AsDouble > best)
                best = value.AsDouble;
        return best;
    }

    /// <summary>Median over repetitions of the mean time per call within a repetition (after one warm-up call).</summary>
    internal static double Median(int reps, int calls, Action action)
    {
        action();
        var samples = new double[reps];
        for (var r = 0; r < reps; r++)
        {
            var clock = Stopwatch.StartNew();
            for (var c = 0; c < calls; c++) action();
            samples[r] = clock.Elapsed.TotalMilliseconds / calls;
        }
        Array.Sort(samples);
        return samples[reps / 2];
    }

    private static void Check(bool condition, string message)
    {
        if (!condition) throw new InvalidOperationException(message);
    }

    internal static string? Option(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    internal static int IntOption(string[] args, string name, int fallback) =>
        int.TryParse(Option(args, name), out var value) ? value : fallback;
}
