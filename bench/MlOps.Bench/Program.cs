// On-demand benchmarks: `dotnet run -c Release --project bench/MlOps.Bench -- <name> [options]`.
// Each prints medians and ratios against a baseline measured in the same run; see docs/benchmarks.md.
return args.FirstOrDefault() switch
{
    "store" => StoreBench.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MlOps.Bench <store|tracking|cache> [options]");
    return 2;
}
