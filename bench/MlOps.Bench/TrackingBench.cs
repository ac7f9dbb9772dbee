using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MlOps.Data;
using MlOps.Pipeline;
using MlOps.Storage.LiteDb;
using MlOps.Training;

/// <summary>
/// Tracking overhead and cached re-runs. Baseline: the same engine pieces (load, featurize, split, train,
/// evaluate, save the model zip to a file) called directly, with no store, no hashing, no cache. Engine: Experiments.Run into a LiteDB
/// store, cold (--force) and warm (unchanged, everything cached). Medians of several repetitions, same seed.
/// </summary>
internal static class TrackingBench
{
    public static int Run(string[] args)
    {
        var repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        var syntheticRows = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
        var root = FindRepoRoot();
        var cwur = Path.Combine(root, "assets", "data", "world-university-rankings", "cwurData.csv");
        var cwurParams = new ParamSet()
            .With("data.path", cwur)
            .With("featurize.filter", "world_rank <= 100")
            .With("featurize.label", "world_rank < 50")
            .With("featurize.features", "alumni_employment,publications,citations,quality_of_education,country,national_rank")
            .With("featurize.categorical", "country")
            .With("split.by", "year")
            .With("train.trainer", "LightGbm");
        Measure("cwurData (LightGbm)", cwurParams, repetitions);

        if (syntheticRows > 0)
        {
            var synthetic = Path.Combine(Path.GetTempPath(), $"mlops-bench-{syntheticRows}.csv");
            if (!File.Exists(synthetic))
                WriteSynthetic(synthetic, syntheticRows);
            var bigParams = new ParamSet()
                .With("data.path", synthetic)
                .With("featurize.label", "y")
                .With("split.test_fraction", "0.2")
                .With("train.trainer", "LightGbm");
            Measure($"synthetic {syntheticRows:N0} rows (LightGbm)", bigParams, Math.Max(3, repetitions / 2));
        }
        return 0;
    }

    private static void Measure(string name, ParamSet p, int repetitions)
    {
        var store = Directory.CreateTempSubdirectory("mlops-bench-").FullName;
        try
        {
            using var runs = LiteDbRunStore.Open(store);
            var engine = new Experiments(runs);
            var request = new ExperimentRequest { Name = "bench", Params = p, MaxParallel = 1 };
            Time(() => Baseline(p)); // warm up JIT and the OS file cache for both paths
            engine.Run(request with { Force = true });
            var baseline = new List<double>();
            var cold = new List<double>();
            var warm = new List<double>();
            for (var i = 0; i < repetitions; i++)
            {
                baseline.Add(Time(() => Baseline(p)));
                cold.Add(Time(() => engine.Run(request with { Force = true })));
                warm.Add(Time(() => engine.Run(request)));
            }
            double b = Median(baseline), c = Median(cold), w = Median(warm);
            Console.WriteLine($"{name}: {repetitions} repetitions, medians");
            Console.WriteLine($"  baseline (no tracking)      {b * 1000,10:0.0} ms");
            Console.WriteLine($"  engine cold (tracked)       {c * 1000,10:0.0} ms   overhead ratio {c / b:0.000}x");
            Console.WriteLine($"  engine cached re-run        {w * 1000,10:0.0} ms   {w / c * 100:0.00}% of the cold run");
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    /// <summary>The same work without tracking: load, featurize, split, train, evaluate in memory.</summary>
    private static void Baseline(ParamSet p)
    {
        var table = TableLoader.Load(p.GetString("data.path"));
        var spec = FeaturizeSpec.From(p, table.Name);
        var featurized = Featurizer.Fit(table, spec);
        var isTest = SplitSpec.From(p).Apply(featurized.Features);
        var ml = new MLContext(42);
        var trainer = TrainerCatalog.Find(featurized.Task, p.GetString("train.trainer"));
        var train = ml.Data.Cache(FeatureData.ToDataView(ml, featurized.Features, isTest, test: false));
        var model = trainer.CreateEstimator(ml, new Dictionary<string, string>(), 42).Fit(train);
        Evaluator.Evaluate(ml, featurized.Task, model, FeatureData.ToDataView(ml, featurized.Features, isTest, test: true), "baseline");
        // Any ML.NET program keeps its model: saving the zip is the model's cost, not tracking's.
        var file = Path.Combine(Path.GetTempPath(), $"mlops-bench-model-{Environment.ProcessId}.zip");
        using (var stream = File.Create(file))
            ml.Model.Save(model, train.Schema, stream);
        File.Delete(file);
    }

    private static void WriteSynthetic(string path, int rows)
    {
        var random = new Random(7);
        using var writer = new StreamWriter(path);
        writer.WriteLine("x0,x1,x2,x3,x4,x5,x6,x7,x8,x9,y");
        for (var i = 0; i < rows; i++)
        {
            var x = Enumerable.Range(0, 10).Select(_ => random.NextDouble() * 10).ToArray();
            var y = x[0] + 2 * x[1] - x[2] + random.NextDouble() * 3 > 12 ? 1 : 0;
            writer.WriteLine(string.Join(",", x.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture))) + "," + y);
        }
    }

    private static double Time(Action action)
    {
        // Start every measurement from the same heap state, so one side does not pay for the other's garbage.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    internal static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlOps.Interactive.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Run from inside the repository.");
    }
}
