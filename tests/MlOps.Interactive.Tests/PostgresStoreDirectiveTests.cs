using MlOps.Tests;
using static MlOps.Interactive.Tests.KernelSession;

namespace MlOps.Interactive.Tests;

/// <summary>
/// The notebook surface on a PostgreSQL store: #!experiment, #!register, #!promote and #!models with --store postgres://...
/// behave as on the LiteDB default (needs the PostgreSQL backend's partial stores).
/// </summary>
public sealed class PostgresStoreDirectiveTests : IDisposable
{
    private readonly PostgresDatabase _database = new();
    private readonly string _artifacts = Directory.CreateTempSubdirectory("mlops-ext-pg-artifacts-").FullName;
    private readonly KernelSession _session;

    public PostgresStoreDirectiveTests() =>
        _session = new KernelSession(_database.Url + "?artifacts=" + Uri.EscapeDataString(_artifacts));

    public void Dispose()
    {
        _session.Dispose();
        _database.Dispose();
        try { Directory.Delete(_artifacts, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Experiment_register_promote_and_models_run_against_a_postgres_store()
    {
        AssertSucceeded(await _session.SubmitAsync(_session.RunLine(extra: "--quiet")));
        var store = $"--store \"{_session.Store}\"";

        AssertSucceeded(await _session.SubmitAsync($"#!register --best --experiment uc1 --metric auc --model uc1 {store}"));
        AssertSucceeded(await _session.SubmitAsync($"#!promote --model uc1 --version 1 --stage Production --reason \"first release\" {store}"));
        AssertSucceeded(await _session.SubmitAsync($"#!models list {store}"));

        Assert.Equal("True", ReturnedText(await _session.SubmitAsync("lastExperiment.Best.Run.Metrics[\"auc\"] > 0.8")));
        Assert.Equal("1", ReturnedText(await _session.SubmitAsync("lastModels.Single(m => m.Name == \"uc1\").ProductionVersion")));
        Assert.NotEmpty(Directory.EnumerateFiles(_artifacts, "*", SearchOption.AllDirectories));
        Assert.Equal(1L, _database.Scalar("SELECT count(*) FROM runs"));
    }
}
