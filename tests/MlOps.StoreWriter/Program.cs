// usage: MlOps.StoreWriter <store dir> <id prefix> <count>
// Writes <count> runs with ids <prefix>-<i> into the LiteDB store; exit code 0 when all were saved.
using MlOps.Storage.LiteDb;
using MlOps.Tracking;

if (args.Length != 3 || !int.TryParse(args[2], out var count))
{
    Console.Error.WriteLine("usage: MlOps.StoreWriter <store dir> <id prefix> <count>");
    return 2;
}

using var store = LiteDbRunStore.Open(args[0]);
for (var i = 0; i < count; i++)
{
    store.SaveRun(new Run
    {
        Id = $"{args[1]}-{i:D5}",
        Experiment = "multi-process",
        Status = RunStatus.Finished,
        StartedAt = DateTimeOffset.UtcNow,
        Params = new Dictionary<string, string> { ["writer"] = args[1], ["i"] = i.ToString() },
        Metrics = new Dictionary<string, double> { ["auc"] = i / (double)count, [$"only.{args[1]}"] = i },
    });
}
return 0;
