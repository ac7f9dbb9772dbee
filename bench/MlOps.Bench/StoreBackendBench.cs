using System.Diagnostics;
using Npgsql;
using MlOps.Storage.LiteDb;
using MlOps.Storage.Postgres;
using MlOps.Tracking;

/// <summary>
/// The two store backends side by side on the same runs (100,000 in one experiment plus 4 x 1,000, as in `store`):
/// write latency of single calls (SaveRun; SaveBatch with details and stage entries, as the end of a run writes),
/// median and p95, and the best run of an experiment by a metric (limit 1). Both stores get identical runs, filled in
/// transactions of 5,000 runs; each repetition measures both, alternating which goes first; ratios are PostgreSQL / LiteDB.
/// The PostgreSQL side is a fresh database on the server (dropped afterwards); LiteDB is its default (direct) mode.
/// A third handle on the same database sets synchronous_commit=off for its sessions: its commits return before the
/// WAL reaches the disk (as LiteDB's log writer does), which shows how much of a write is the durable commit.
/// usage: store-backends [--runs 100000] [--reps 5] [--calls 200] [--pg postgres://user:password@host:5432[?npgsql_setting=...]]
/// </summary>
internal static class StoreBackendBench
{
    private const string Metric = "metric07";

    private sealed record Backend(string Name, IRunStore Store, Action<IReadOnlyList<Run>> SaveRuns);

    private sealed record Sample(double Best, double SaveMedian, double SaveP95, double BatchMedian, double BatchP95);

    public static int Run(string[] args)
    {
        var runs = StoreBench.IntOption(args, "--runs", 100_000);
        var reps = Math.Max(3, StoreBench.IntOption(args, "--reps", 5));
        var calls = Math.Max(20, StoreBench.IntOption(args, "--calls", 200));
        var server = StoreBench.Option(args, "--pg") ?? Environment.GetEnvironmentVariable("MLOPS_BENCH_POSTGRES") ?? "postgres://mlops:mlops@127.0.0.1:5432";
        var others = Math.Max(1, runs / 100);
        var dir = Directory.CreateTempSubdirectory("mlops-backendbench-").FullName;
        // The server URL's own settings (e.g. ?max_auto_prepare=32) are kept; the database is a new one.
        var address = new UriBuilder(server) { Path = "mlops_bench_" + Guid.NewGuid().ToString("N")[..12] };
        address.Query = (address.Query.TrimStart('?') is { Length: > 0 } settings ? settings + "&" : "") + "artifacts=" + Uri.EscapeDataString(Path.Combine(dir, "pg-artifacts"));
        var url = address.Uri.ToString();
        Console.WriteLine($"store-backends: {runs:N0} runs in '{StoreBench.Main}' + 4 x {others:N0}, 20 params and 20 metrics each; {reps} repetitions of {calls} writes; LiteDB {dir}; {PostgresAddress.Redact(url)}");

        var lite = LiteDbRunStore.Open(Path.Combine(dir, "lite"));
        var pg = PostgresStore.Open(url);
        var pgAsync = PostgresStore.Open(url + "&options=" + Uri.EscapeDataString("-c synchronous_commit=off"));
        try
        {
            if (Sql(pgAsync, "SHOW synchronous_commit") as string != "off") throw new InvalidOperationException("options=-c synchronous_commit=off was not applied");
            Backend[] backends = [new("LiteDB", lite, lite.SaveRuns), new("PostgreSQL", pg, pg.SaveRuns), new("PG async commit", pgAsync, pgAsync.SaveRuns)];
            var fill = new double[2];
            StoreBench.Fill(runs, others, chunk =>
            {
                for (var b = 0; b < fill.Length; b++) fill[b] += Time(() => backends[b].SaveRuns(chunk));
            });
            // What autovacuum would do shortly after a bulk load: planner statistics for the new rows.
            Sql(pg, "ANALYZE runs");
            Console.WriteLine($"fill: LiteDB {fill[0] / 1000:F1} s ({new FileInfo(Path.Combine(dir, "lite", "mlops.db")).Length / 1e6:F0} MB), " +
                $"PostgreSQL {fill[1] / 1000:F1} s ({Convert.ToInt64(Sql(pg, "SELECT pg_total_relation_size('runs')")) / 1e6:F0} MB runs table)");

            var best = new RunQuery { Experiment = StoreBench.Main, OrderByMetric = Metric, Limit = 1 };
            var build = backends[..2].Select(b => Time(() => b.Store.QueryRuns(best))).ToArray();
            var winners = backends.Select(b => b.Store.QueryRuns(best).Single().Id).Distinct().ToList();
            if (winners.Count != 1) throw new InvalidOperationException($"the backends disagree on the best run: {string.Join(", ", winners)}");

            var samples = backends.ToDictionary(b => b.Name, _ => new List<Sample>());
            foreach (var b in backends) Measure(b, best, 0, 2); // warm-up
            for (var rep = 0; rep < reps; rep++)
                foreach (var b in rep % 2 == 0 ? backends : backends.AsEnumerable().Reverse())
                    samples[b.Name].Add(Measure(b, best, rep + 1, calls));

            Console.WriteLine();
            Console.WriteLine($"{"operation",-44} {"LiteDB ms",12} {"PostgreSQL ms",14} {"PG / LiteDB",12} {"PG async ms",12} {"/ LiteDB",9}");
            void Row(string name, Func<Sample, double> value)
            {
                var (l, p, a) = (Median(samples[backends[0].Name].Select(value)), Median(samples[backends[1].Name].Select(value)), Median(samples[backends[2].Name].Select(value)));
                Console.WriteLine($"{name,-44} {l,12:F3} {p,14:F3} {p / l,12:F2} {a,12:F3} {a / l,9:F2}");
            }
            Row("best run by a metric (limit 1), per call", s => s.Best);
            Row("SaveRun, median", s => s.SaveMedian);
            Row("SaveRun, p95", s => s.SaveP95);
            Row("SaveBatch (run+details+3 stages), median", s => s.BatchMedian);
            Row("SaveBatch (run+details+3 stages), p95", s => s.BatchP95);
            Console.WriteLine($"{"once: first ranking by the metric (index)",-44} {build[0],12:F0} {build[1],14:F0} {build[1] / build[0],12:F2}");
            Console.WriteLine($"{"fill, whole store (s)",-44} {fill[0] / 1000,12:F1} {fill[1] / 1000,14:F1} {fill[1] / fill[0],12:F2}");
            return 0;
        }
        finally
        {
            lite.Dispose();
            pg.Dispose();
            pgAsync.Dispose();
            Drop(pg);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>One repetition on one backend: the best-run query (mean of 50 calls), then single-call write latencies.</summary>
    private static Sample Measure(Backend backend, RunQuery best, int rep, int calls)
    {
        var query = StoreBench.Median(1, 50, () => backend.Store.QueryRuns(best));
        var random = new Random(rep);
        var saves = new double[calls];
        var batches = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var run = StoreBench.MakeRun(StoreBench.Main, i, random) with { Id = $"save-{backend.Name}-{rep}-{i}" };
            saves[i] = Time(() => backend.Store.SaveRun(run));
        }
        for (var i = 0; i < calls; i++)
        {
            var run = StoreBench.MakeRun(StoreBench.Main, i, random) with { Id = $"batch-{backend.Name}-{rep}-{i}" };
            var (details, stages) = EndOfRun(run.Id);
            batches[i] = Time(() => backend.Store.SaveBatch(run, details, stages));
        }
        return new Sample(query, Median(saves), Percentile(saves, 0.95), Median(batches), Percentile(batches, 0.95));
    }

    /// <summary>What a binary run's end writes beside the run: curves, a confusion matrix and three stage cache entries.</summary>
    private static (RunDetails, IReadOnlyList<StageCacheEntry>) EndOfRun(string runId)
    {
        var curve = Enumerable.Range(0, 100).Select(i => new CurvePoint(i / 100.0, Math.Sqrt(i / 100.0), 1 - i / 100.0)).ToList();
        var details = new RunDetails
        {
            RunId = runId, Roc = curve, PrecisionRecall = curve,
            Confusion = new ConfusionMatrix(["no", "yes"], [[900L, 12L], [30L, 58L]]),
        };
        var stages = new[] { "featurize", "split", "train" }.Select(stage => new StageCacheEntry
        {
            Key = $"{runId}-{stage}", Stage = stage, RunId = runId, CreatedAt = DateTimeOffset.UtcNow,
            Output = new ArtifactRef(new string('a', 64), 123_456, stage), Facts = new Dictionary<string, string> { ["rows"] = "1000" },
        }).ToList();
        return (details, stages);
    }

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalMilliseconds;
    }

    private static double Median(IEnumerable<double> values) => Percentile(values.ToArray(), 0.5);

    private static double Percentile(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];
    }

    private static object? Sql(PostgresStore store, string sql)
    {
        using var connection = new NpgsqlConnection(store.Address.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    private static void Drop(PostgresStore store)
    {
        NpgsqlConnection.ClearAllPools();
        var maintenance = new NpgsqlConnectionStringBuilder(store.Address.ConnectionString) { Database = "postgres", Pooling = false };
        using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{store.Address.Database}\" WITH (FORCE)", connection);
        command.ExecuteNonQuery();
    }
}
