// usage: MlOps.StoreWriter <store location> <id prefix> <count> [experiments]
// Writes <count> runs with ids <prefix>-<i> into the store at the location (a folder: LiteDB; postgres://: PostgreSQL),
// in experiment "multi-process", or "multi-process-<i % experiments>" when experiments > 1; exit code 0 when all were saved.
using System.Globalization;
using MlOps.Storage;
using MlOps.Tracking;

if (args.Length is < 3 or > 4 || !int.TryParse(args[2], out var count) || (args.Length == 4 && !int.TryParse(args[3], out _)))
{
    Console.Error.WriteLine("usage: MlOps.StoreWriter <store location> <id prefix> <count> [experiments]");
    return 2;
}
var experiments = args.Length == 4 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1;

using var store = Stores.OpenAt(args[0]);
for (var i = 0; i < count; i++)
{
    store.SaveRun(new Run
    {
        Id = $"{args[1]}-{i:D5}",
        Experiment = experiments > 1 ? $"multi-process-{i % experiments}" : "multi-process",
        Status = RunStatus.Finished,
        StartedAt = DateTimeOffset.UtcNow,
        Params = new Dictionary<string, string> { ["writer"] = args[1], ["i"] = i.ToString(CultureInfo.InvariantCulture) },
        Metrics = new Dictionary<string, double> { ["auc"] = i / (double)count, [$"only.{args[1]}"] = i },
    });
}
return 0;
