using System.Diagnostics;
using MlOps.Storage.Postgres;
using MlOps.Tracking;

namespace MlOps.Tests.Storage;

/// <summary>Opening a PostgreSQL store: schema created and versioned, newer databases refused, a down server reported clearly.</summary>
public sealed class PostgresSchemaTests : IDisposable
{
    private readonly PostgresDatabase _database = new();
    private readonly string _artifacts = Path.Combine(Path.GetTempPath(), "mlops-pg-artifacts-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _database.Dispose();
        if (Directory.Exists(_artifacts)) Directory.Delete(_artifacts, recursive: true);
    }

    private string Url => _database.Url + "?artifacts=" + Uri.EscapeDataString(_artifacts);

    [Fact]
    public void Open_creates_the_schema_once_and_records_its_version()
    {
        using (var store = PostgresStore.Open(Url)) Assert.Equal(_database.Url.Replace("mlops:mlops@", "mlops@"), store.Location);
        using (PostgresStore.Open(Url)) { }

        Assert.Equal((long)PostgresStore.SchemaVersion, Convert.ToInt64(_database.Scalar("SELECT count(*) FROM mlops_schema")));
        Assert.Equal(PostgresStore.SchemaVersion, Convert.ToInt32(_database.Scalar("SELECT max(version) FROM mlops_schema")));
        Assert.Equal(1L, Convert.ToInt64(_database.Scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'model_versions_one_production'")));
    }

    [Fact]
    public void Clients_opening_at_once_migrate_it_exactly_once()
    {
        Parallel.For(0, 8, _ => { using var store = PostgresStore.Open(Url); });
        Assert.Equal((long)PostgresStore.SchemaVersion, Convert.ToInt64(_database.Scalar("SELECT count(*) FROM mlops_schema")));
    }

    [Fact]
    public void A_database_migrated_by_a_newer_version_is_refused_with_the_fix()
    {
        using (PostgresStore.Open(Url)) { }
        _database.Scalar("INSERT INTO mlops_schema (version, name, applied_ticks) VALUES (999, 'V999_future', 0)");

        var error = Assert.Throws<MlOpsException>(() => PostgresStore.Open(Url));
        Assert.Contains("schema version 999", error.Message);
        Assert.Contains("Upgrade MlOps", error.Message);
    }

    [Fact]
    public void The_artifact_directory_chosen_at_creation_is_found_by_later_clients()
    {
        using (var first = PostgresStore.Open(Url)) Assert.Equal(Path.GetFullPath(_artifacts), first.ArtifactRoot);
        using var later = PostgresStore.Open(_database.Url);
        Assert.Equal(Path.GetFullPath(_artifacts), later.ArtifactRoot);
    }

    [Fact]
    public void A_missing_database_is_created()
    {
        var url = _database.Url.Replace(_database.Name, _database.Name + "_new");
        try
        {
            using var store = PostgresStore.Open(url + "?artifacts=" + Uri.EscapeDataString(_artifacts));
            Assert.Contains(_database.Name + "_new", store.Location);
        }
        finally
        {
            _database.DropOther(_database.Name + "_new");
        }
    }

    [Fact]
    public void A_server_that_is_down_is_retried_then_reported_in_one_clear_message()
    {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<MlOpsException>(() =>
            PostgresStore.Open("postgres://mlops:secret@127.0.0.1:1/mlops", _artifacts, new RetryPolicy(3, TimeSpan.FromMilliseconds(100))));

        Assert.Contains("could not be reached", error.Message);
        Assert.Contains("after 3 attempts", error.Message);
        Assert.Contains("Nothing was written", error.Message);
        Assert.DoesNotContain("secret", error.Message);
        // Three attempts with two backoff delays (100 ms, then about 200 ms, jittered) took measurable time.
        Assert.True(clock.Elapsed > TimeSpan.FromMilliseconds(100), $"retries took {clock.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void Connections_dropped_by_the_server_are_retried_on_fresh_ones_without_the_caller_noticing()
    {
        using var store = PostgresStore.Open(Url);
        store.SaveRun(new Run { Id = "before", Experiment = "e", StartedAt = DateTimeOffset.UnixEpoch });

        // What a server restart or a failover does to a client: every pooled connection dies under it. (With one
        // attempt, i.e. no retry, the next write fails with 57P01: checked when this test was written.)
        var killed = Convert.ToInt64(_database.Scalar(
            $"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{_database.Name}' AND pid <> pg_backend_pid()"));
        Assert.True(killed > 0, "the store held no pooled connection to drop");

        store.SaveRun(new Run { Id = "after", Experiment = "e", StartedAt = DateTimeOffset.UnixEpoch });
        Assert.Equal(["after", "before"], store.QueryRuns(new RunQuery()).Select(r => r.Id).Order());
        Assert.Equal(2, Assert.Single(store.ListExperiments()).Runs);
    }

    [Theory]
    [InlineData("postgres://", "not a PostgreSQL store URL")]
    [InlineData("postgres://u@h/db?nonsense_setting=1", "nonsense_setting")]
    public void A_bad_url_names_the_problem(string url, string expected)
    {
        var error = Assert.Throws<MlOpsException>(() => PostgresAddress.Parse(url));
        Assert.Contains(expected, error.Message);
    }
}
