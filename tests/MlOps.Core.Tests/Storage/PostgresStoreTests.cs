using MlOps.Storage.Postgres;
using MlOps.Tracking;

namespace MlOps.Tests.Storage;

/// <summary>The whole store contract (the suite the LiteDB store passes) against a real PostgreSQL server, one fresh database per test.</summary>
public sealed class PostgresStoreTests : Tracking.RunStoreContract
{
    private readonly PostgresDatabase _database = new();
    private readonly string _artifacts = Path.Combine(Path.GetTempPath(), "mlops-pg-artifacts-" + Guid.NewGuid().ToString("N"));

    protected override IRunStore OpenStore() => PostgresStore.Open(_database.Url + "?artifacts=" + Uri.EscapeDataString(_artifacts));

    protected PostgresDatabase Database => _database;

    public override void Dispose()
    {
        base.Dispose();
        _database.Dispose();
        if (Directory.Exists(_artifacts)) Directory.Delete(_artifacts, recursive: true);
    }
}
