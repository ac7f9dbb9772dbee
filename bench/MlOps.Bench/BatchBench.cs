using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MlOps.Data;
using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Storage.LiteDb;

/// <summary>
/// Batch scoring throughput: the params.yaml model (FastForest, 100 trees) on cwurData rows repeated to 1,000,000,
/// from a feature matrix in memory (as sklearn's predict_proba), from raw rows in memory (validate + featurize + predict)
/// and CSV file to CSV file. Baseline in the same session:
/// scikit-learn's RandomForestClassifier (same trees, n_jobs=-1) via bench/baselines/sklearn_batch.py. Medians.
/// </summary>
internal static class BatchBench
{
    private const string Python = "/usr/bin/python3"; // Debian's, where python3-sklearn is installed

    public static int Run(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var repetitions = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        const int trees = 100;
        var root = TrackingBench.FindRepoRoot();
        var cwur = Path.Combine(root, "assets", "data", "world-university-rankings", "cwurData.csv");
        var work = Directory.CreateTempSubdirectory("mlops-batch-bench-").FullName;
        try
        {
            using var store = LiteDbRunStore.Open(Path.Combine(work, "store"));
            var p = ParamSet.Load(Path.Combine(root, "params.yaml")).With("data.path", cwur).With("train.n_est", trees.ToString(CultureInfo.InvariantCulture));
            var outcome = new Experiments(store).Run(new ExperimentRequest { Name = "bench", Params = p });
            var version = ModelRegistry.Over(store, new RegistryEventHub()).Register(outcome.Runs.Single().Run.Id, "bench");
            using var scorer = ModelScorer.Load(version, store.Artifacts);

            var input = Path.Combine(work, "input.csv");
            var lines = File.ReadAllLines(cwur);
            using (var writer = new StreamWriter(input))
            {
                writer.WriteLine(lines[0]);
                for (var i = 0; i < rows; i++)
                    writer.WriteLine(lines[1 + i % (lines.Length - 1)]);
            }
            var table = TableLoader.LoadCsv(input);
            var columns = scorer.Signature.Select(s => s.Name).ToList();
            // Raw rows as a caller holds them: numbers as doubles, categories as text.
            var cells = Enumerable.Range(0, table.RowCount).Select(r => scorer.Signature.Select(s =>
                s.Type == "number" && MessyNumber.TryParse(table[s.Name].GetText(r), out var v) ? (double.IsNaN(v) ? null : v) : (object?)table[s.Name].GetText(r)).ToArray()).ToList();
            table = null;
            var inMemory = new ScoringInput(columns, cells);
            scorer.Score(inMemory); // warm-up

            var memory = Median(repetitions, () => scorer.Score(inMemory));
            // sklearn's predict_proba starts from a feature matrix; the same start for ours: featurized rows -> predictions.
            var featureTable = new Table("features", scorer.Signature.Select((s, c) => s.Type == "number"
                ? new TableColumn(s.Name, cells.Select(row => row[c] is double d ? d : double.NaN).ToArray())
                : new TableColumn(s.Name, cells.Select(row => (string?)row[c]).ToArray())).ToList());
            var matrix = scorer.Featurizer.Transform(new ColumnReader(featureTable), Enumerable.Range(0, rows).ToArray());
            var predictOnly = Median(repetitions, () => scorer.Predict(matrix, rows));
            var output = Path.Combine(work, "scores.csv");
            BatchScorer.Score(scorer, new BatchScoringOptions { Input = input, Output = output });
            var csv = Median(repetitions, () => BatchScorer.Score(scorer, new BatchScoringOptions { Input = input, Output = output }));

            var baseline = Sklearn(root, cwur, input, Path.Combine(work, "sklearn.csv"), trees, repetitions);
            Console.WriteLine($"batch scoring, {rows:N0} rows, FastForest {trees} trees vs sklearn RandomForestClassifier {trees} trees (n_jobs=-1), median of {repetitions}, {Environment.ProcessorCount} cores");
            Report("features in memory -> predictions", rows, predictOnly, baseline.Memory);
            Report("raw rows in memory -> predictions", rows, memory, baseline.Memory);
            Report("CSV file -> CSV file", rows, csv, baseline.Csv);
            Console.WriteLine($"sklearn {baseline.Version}; input {new FileInfo(input).Length / (1 << 20)} MB; compiled trees: {scorer.IsCompiled}; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Report(string what, int rows, double ours, double sklearn) =>
        Console.WriteLine($"  {what,-38} mlops {ours,6:F3}s ({rows / ours,12:N0} rows/s)   sklearn {sklearn,6:F3}s ({rows / sklearn,12:N0} rows/s)   {sklearn / ours:F2}x");

    private static double Median(int repetitions, Action action)
    {
        var times = new List<double>();
        for (var i = 0; i < repetitions; i++)
        {
            GC.Collect();
            var watch = Stopwatch.StartNew();
            action();
            times.Add(watch.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static (double Memory, double Csv, string Version) Sklearn(string root, string cwur, string input, string output, int trees, int repetitions)
    {
        var script = Path.Combine(root, "bench", "baselines", "sklearn_batch.py");
        using var process = Process.Start(new ProcessStartInfo(Python)
        {
            ArgumentList = { script, cwur, input, output, trees.ToString(CultureInfo.InvariantCulture), repetitions.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"{Python} did not start");
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"the sklearn baseline failed ({process.ExitCode}): {stderr} (install: apt-get install -y python3-sklearn python3-pandas)");
        using var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var r = json.RootElement;
        return (r.GetProperty("memory_seconds").GetDouble(), r.GetProperty("csv_seconds").GetDouble(), r.GetProperty("sklearn").GetString() ?? "");
    }
}
