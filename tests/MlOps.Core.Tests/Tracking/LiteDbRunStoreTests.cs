using System.Diagnostics;
using LiteDB;
using MlOps.Storage.LiteDb;
using MlOps.Tracking;

namespace MlOps.Tests.Tracking;

/// <summary>The store contract against real LiteDB files in a temp directory, plus LiteDB-specific failure modes.</summary>
public sealed class LiteDbRunStoreTests : RunStoreContract
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mlops-store-" + Guid.NewGuid().ToString("N"));

    protected override IRunStore OpenStore() => LiteDbRunStore.Open(_directory);

    public override void Dispose()
    {
        base.Dispose();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Open_creates_the_database_and_artifact_folder()
    {
        Assert.Equal(Path.Combine(_directory, "mlops.db"), Store.Location);
        Assert.True(File.Exists(Path.Combine(_directory, "mlops.db")));
        Assert.True(Directory.Exists(Path.Combine(_directory, "artifacts")));
    }

    [Fact]
    public void Two_processes_writing_at_once_lose_nothing()
    {
        const int perProcess = 150;
        Store.SaveRun(NewRun("seed"));
        var writer = Path.Combine(AppContext.BaseDirectory, "MlOps.StoreWriter.dll");
        Assert.True(File.Exists(writer), $"{writer} is missing: build tests/MlOps.StoreWriter.");

        var processes = new[] { "p1", "p2" }.Select(prefix => Process.Start(new ProcessStartInfo("dotnet")
        {
            // A fixed directory: tests running beside this one may move the process's current one and delete it.
            WorkingDirectory = Path.GetTempPath(),
            ArgumentList = { writer, _directory, prefix, perProcess.ToString() },
            RedirectStandardError = true,
            UseShellExecute = false,
        })!).ToList();
        // This process writes too, so three writers contend for the file.
        for (var i = 0; i < 50; i++) Store.SaveRun(NewRun($"host-{i}", "multi-process"));
        foreach (var process in processes)
        {
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "writer process hung");
            Assert.True(process.ExitCode == 0, process.StandardError.ReadToEnd());
        }

        var store = OpenAgain();
        var runs = store.QueryRuns(new RunQuery { Experiment = "multi-process" });
        Assert.Equal(2 * perProcess + 50, runs.Count);
        Assert.Equal(perProcess, runs.Count(r => r.Params.GetValueOrDefault("writer") == "p1"));
        Assert.Equal(2 * perProcess + 50, store.ListExperiments().Single(e => e.Name == "multi-process").Runs);
        // Each process created its own metric index; this handle must find both.
        Assert.Equal("p2-00149", store.QueryRuns(new RunQuery { OrderByMetric = "only.p2", Limit = 1 }).Single().Id);
    }

    [Fact]
    public void A_store_written_by_a_newer_schema_is_refused()
    {
        using (Store) { }
        using (var db = new LiteDatabase($"Filename={Path.Combine(_directory, "mlops.db")};Connection=shared"))
            db.GetCollection("meta").Upsert(new BsonDocument { ["_id"] = "schema", ["schemaVersion"] = 99 });

        var error = Assert.Throws<MlOpsException>(() => LiteDbRunStore.Open(_directory).Dispose());
        Assert.Contains("newer", error.Message);
        Assert.Contains("99", error.Message);
        Assert.Contains("mlops.db", error.Message);
    }

    [Fact]
    public void A_corrupted_file_is_reported_with_its_path_and_the_fix()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "mlops.db");
        File.WriteAllBytes(path, Enumerable.Range(0, 32768).Select(i => (byte)(i * 31 + 7)).ToArray());

        var error = Assert.Throws<MlOpsException>(() => LiteDbRunStore.Open(_directory).Dispose());
        Assert.Contains(path, error.Message);
        Assert.Contains("backup", error.Message);
    }

    [Fact]
    public void A_file_locked_by_another_program_is_reported_with_its_path_and_the_fix()
    {
        Store.SaveRun(NewRun("r1"));
        Store.Dispose(); // the store keeps the file open for a short idle window; let it go first
        var path = Path.Combine(_directory, "mlops.db");
        using var holder = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);

        var error = Assert.Throws<MlOpsException>(() => OpenAgain().FindRun("r1"));
        Assert.Contains(path, error.Message);
        Assert.Contains("close", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Metric_names_escape_reversibly_into_field_names()
    {
        foreach (var name in new[] { "auc", "f1.macro", "_a__b_", "1st", "r²", "", "a-b c$[0]'\"", "_0041" })
        {
            var field = FieldName.Escape(name);
            Assert.Matches("^[A-Za-z_][A-Za-z0-9_]*$", field);
            Assert.Equal(name, FieldName.Unescape(field));
        }
        Assert.NotEqual(FieldName.Escape("_0041"), FieldName.Escape("A"));
    }
}
