// On-demand benchmarks: `dotnet run -c Release --project bench/MlOps.Bench -- <name> [options]`.
// Each prints medians and ratios against a baseline measured in the same run; see docs/benchmarks.md.
return args.FirstOrDefault() switch
{
    "store" => StoreBench.Run(args[1..]),
    "store-backends" => StoreBackendBench.Run(args[1..]),
    "tracking" => TrackingBench.Run(args[1..]),
    "coldstart" => ColdStartBench.Run(args[1..]),
    "coldstart-bare" => ColdStartBench.Bare(),
    "serve" => ServeBench.Run(args[1..]),
    "serve-bare" => ServeBench.Bare(args[1..]),
    "drift" => DriftBench.Run(args[1..]),
    "batch" => BatchBench.Run(args[1..]),
    "prediction-log" => PredictionLogBench.Run(args[1..]),
    "floattext" => FloatTextBench.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MlOps.Bench <store|tracking|coldstart|serve|drift|batch|prediction-log|floattext> [options]");
    Console.Error.WriteLine("  store                                               best run among 100k runs, write latency");
    Console.Error.WriteLine("  tracking [repetitions=5] [synthetic rows=1000000]   tracking overhead and cached re-run");
    Console.Error.WriteLine("  coldstart [repetitions=7]                           mlops run on a one-cell notebook vs a bare kernel");
    Console.Error.WriteLine("  serve [--repetitions 3] [--duration 12] [--warmup 15] [--connections 16,64] [--rows 1,10]");
    Console.Error.WriteLine("        [--servers mlops,bare,fastapi,fastapi-w2] [--threads 2] [--log] [--swap]");
    Console.Error.WriteLine("                                                      wrk against mlops deploy serve, bare Kestrel, FastAPI+sklearn");
    Console.Error.WriteLine("  drift [repetitions=5]                               data drift of 1M rows x 20 features vs a stored profile, and scaling");
    Console.Error.WriteLine("  batch [rows=1000000] [repetitions=5]                batch scoring in memory and CSV->CSV vs sklearn (/usr/bin/python3)");
    Console.Error.WriteLine("  prediction-log [--rows 200000] [--repetitions 5] [--window 10000000] [--whole] [--server <admin url>]");
    Console.Error.WriteLine("                                                      log ingestion PostgreSQL vs LiteDB; a 7-day window monitored on PostgreSQL");
    Console.Error.WriteLine("  floattext [--all]                                   the server's float writer vs float.TryFormat; --all compares every float");
    return 2;
}
