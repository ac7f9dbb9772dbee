using MlOps.Serving;
using MlOps.Storage.Postgres;

namespace MlOps.Tests.Storage;

/// <summary>The prediction log on a real PostgreSQL server, beyond the store contract: batches are all-or-nothing.</summary>
public sealed class PostgresPredictionLogTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly PostgresDatabase _database = new();
    private readonly string _artifacts = Path.Combine(Path.GetTempPath(), "mlops-pg-artifacts-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _database.Dispose();
        if (Directory.Exists(_artifacts)) Directory.Delete(_artifacts, recursive: true);
    }

    private PostgresStore Open() => PostgresStore.Open(_database.Url + "?artifacts=" + Uri.EscapeDataString(_artifacts));

    private static LoggedPrediction Row(int i) =>
        new("m", 1, T0.AddSeconds(i), "serve", new Dictionary<string, object?> { ["x"] = (double)i }, "true", Score: i);

    [Fact]
    public void A_batch_with_a_bad_row_writes_nothing_and_the_log_stays_as_it_was()
    {
        using var store = Open();
        store.AppendPredictions(Enumerable.Range(0, 100).Select(Row).ToList());

        // The 601st row of 1,000 breaks a constraint (no label) after 600 rows went down the COPY stream.
        var batch = Enumerable.Range(100, 1_000).Select(i => i == 700 ? Row(i) with { Label = null! } : Row(i)).ToList();
        var error = Assert.Throws<MlOpsException>(() => store.AppendPredictions(batch));
        Assert.Contains("label", error.Message);
        Assert.Contains("Nothing was written", error.Message);

        Assert.Equal(100, store.CountPredictions("m"));
        Assert.Equal(Enumerable.Range(0, 100), store.ReadPredictions("m").Select(p => (int)p.Score!.Value));
    }
}
