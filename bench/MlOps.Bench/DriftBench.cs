using System.Diagnostics;
using System.Globalization;
using MlOps.Data;
using MlOps.Monitoring;
using MlOps.Registry;

/// <summary>
/// Data drift (schema checks, PSI, KS, share of drifted features) of a window of typed numeric columns against a
/// stored reference profile of 100,000 training rows: 1M rows x 20 features, and the scaling in rows and features.
/// Half the features are shifted so both outcomes are exercised. Profile building is not timed (done once per version).
/// </summary>
internal static class DriftBench
{
    public static int Run(string[] args)
    {
        var repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        Console.WriteLine($"drift: median of {repetitions}, {Environment.ProcessorCount} cores");
        Console.WriteLine("| rows | features | median | rows x features / s |");
        Console.WriteLine("|---:|---:|---:|---:|");
        foreach (var (rows, features) in new[] { (250_000, 20), (500_000, 20), (1_000_000, 5), (1_000_000, 10), (1_000_000, 20) })
        {
            var (profile, window) = Data(rows, features);
            DataChecks.Run(profile, window); // warm-up (JIT)
            var times = new List<double>();
            for (var i = 0; i < repetitions; i++)
            {
                var watch = Stopwatch.StartNew();
                var checks = DataChecks.Run(profile, window);
                times.Add(watch.Elapsed.TotalSeconds);
                if (checks.Count(c => c.Name == CheckNames.Psi && !c.Passed) != features / 2)
                    throw new InvalidOperationException("the shifted half of the features was not flagged");
            }
            var median = times.Order().ElementAt(times.Count / 2);
            Console.WriteLine($"| {rows:N0} | {features} | {median:0.000} s | {rows * (double)features / median / 1e6:0.0} M |");
        }
        return 0;
    }

    private static (ReferenceProfile, Table) Data(int rows, int features)
    {
        var random = new Random(42);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var names = Enumerable.Range(0, features).Select(f => $"f{f}").ToArray();
        var reference = names.Select(_ => Enumerable.Range(0, 100_000).Select(_ => Normal()).ToArray()).ToArray();
        var window = names.Select((_, f) => Enumerable.Range(0, rows).Select(_ => Normal() + (f % 2 == 1 ? 0.5 : 0)).ToArray()).ToArray();
        var version = new ModelVersion
        {
            Model = "bench", Version = 1, RunId = "bench", Artifact = new MlOps.Tracking.ArtifactRef(new string('0', 64), 0, "model"),
            Signature = names.Select(n => new MlOps.Tracking.SchemaColumn(n, "number")).ToList(),
        };
        var profile = ReferenceProfile.Build(new Table("train", names.Select((n, f) => new TableColumn(n, reference[f])).ToList()), version, predictedScores: null);
        return (profile, new Table("window", names.Select((n, f) => new TableColumn(n, window[f])).ToList()));
    }
}
