using System.Text.Json.Nodes;
using MlOps.Storage.LiteDb;
using MlOps.Tests;

namespace MlOps.Cli.Tests;

/// <summary>`mlops store migrate` and `mlops store info`: JSON shapes and exit codes (0 verified, 1 error or mismatch, 2 usage).</summary>
public sealed class StoreCliTests : IDisposable
{
    private const string Model = "uc1";
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>`mlops` without the harness's --store (store migrate takes --from and --to instead).</summary>
    internal static (int Exit, string Out, string Err) Mlops(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = CliApp.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    internal static JsonObject Parse(string output) => JsonNode.Parse(output)!.AsObject();

    /// <summary>The `store migrate --json` contract: exactly these fields, one entry per record kind.</summary>
    internal static void AssertMigrateShape(JsonObject json)
    {
        Assert.Equal(["from", "to", "kinds", "artifacts", "seconds", "verified"], json.Select(p => p.Key));
        Assert.Equal(13, json["kinds"]!.AsArray().Count);
        Assert.All(json["kinds"]!.AsArray(), k => Assert.Equal(["kind", "source", "target", "sha256", "match"], k!.AsObject().Select(p => p.Key)));
        Assert.Equal(["source", "target", "bytes", "match", "missing", "unexpected", "corrupt"], json["artifacts"]!.AsObject().Select(p => p.Key));
    }

    private static long Count(JsonObject json, string kind) =>
        json["kinds"]!.AsArray().Single(k => k!["kind"]!.GetValue<string>() == kind)!["target"]!.GetValue<long>();

    [Fact]
    public void Migrate_json_reports_every_kind_verified_and_the_copy_serves_the_same_models()
    {
        _cli.TrainRegisterPromote(Model);
        var target = Path.Combine(_cli.Directory, "copy");

        var (exit, output, error) = Mlops("store", "migrate", "--from", _cli.StorePath, "--to", target, "--json");

        Assert.True(exit == 0, error);
        var json = Parse(output);
        AssertMigrateShape(json);
        Assert.True(json["verified"]!.GetValue<bool>());
        Assert.Equal(Path.Combine(target, "mlops.db"), json["to"]!.GetValue<string>());
        Assert.All(json["kinds"]!.AsArray(), k => Assert.True(k!["match"]!.GetValue<bool>()));
        Assert.Equal((1, 1, 1), (Count(json, "runs"), Count(json, "model-versions"), Count(json, "transitions")));
        Assert.Matches("^[0-9a-f]{64}$", json["kinds"]![0]!["sha256"]!.GetValue<string>());
        Assert.True(json["artifacts"]!["target"]!.GetValue<long>() > 0);
        Assert.Empty(error); // --json: no progress lines

        var models = Parse(Mlops("models", "list", "--store", target, "--json").Out);
        Assert.Equal(1, models["models"]![0]!["productionVersion"]!.GetValue<int>());
    }

    [Fact]
    public void Migrate_shows_progress_and_a_table_without_json()
    {
        _cli.TrainRegisterPromote(Model);

        var (exit, output, error) = Mlops("store", "migrate", "--from", _cli.StorePath, "--to", Path.Combine(_cli.Directory, "copy"));

        Assert.True(exit == 0, error);
        Assert.Contains("copied runs: 1", error);
        Assert.Contains("copied predictions: 0 (0 rows/s)", error);
        Assert.Contains("verified artifacts:", error);
        Assert.Matches(@"model-versions\s+1\s+1\s+[0-9a-f]{12}\s+ok", output);
        Assert.EndsWith("Verified: every record kind and every artifact matches." + Environment.NewLine, output);
    }

    [Fact]
    public void A_non_empty_target_or_a_tampered_artifact_exits_1_and_says_why()
    {
        _cli.TrainRegisterPromote(Model);
        var target = Path.Combine(_cli.Directory, "copy");
        Assert.Equal(0, Mlops("store", "migrate", "--from", _cli.StorePath, "--to", target).Exit);

        var (exit, output, error) = Mlops("store", "migrate", "--from", _cli.StorePath, "--to", target, "--json");
        Assert.Equal(1, exit);
        Assert.StartsWith($"The target store {Path.Combine(target, "mlops.db")} is not empty: it holds runs: 1,", Parse(output)["error"]!.GetValue<string>());
        Assert.Contains("error: The target store", error);

        var artifact = Directory.EnumerateFiles(Path.Combine(_cli.StorePath, "artifacts"), "*", SearchOption.AllDirectories).First();
        File.AppendAllText(artifact, "tampered");
        (exit, output, error) = Mlops("store", "migrate", "--from", _cli.StorePath, "--to", Path.Combine(_cli.Directory, "copy2"), "--json");
        Assert.Equal(1, exit);
        var json = Parse(output);
        AssertMigrateShape(json);
        Assert.False(json["verified"]!.GetValue<bool>());
        Assert.Equal(Path.GetFileName(artifact), json["artifacts"]!["corrupt"]![0]!.GetValue<string>());
        Assert.Contains("error: verification failed, the target differs from the source in: artifacts (", error);
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(2, Mlops("store", "migrate", "--from", _cli.StorePath).Exit);
        var same = Mlops("store", "migrate", "--from", _cli.StorePath, "--to", _cli.StorePath + "/");
        Assert.Equal(2, same.Exit);
        Assert.Contains("--from and --to name the same store", same.Err);
        Assert.Equal(2, Mlops("store", "migrate", "--from", _cli.StorePath, "--to", "x", "--batch", "0").Exit);
        Assert.Equal(2, Mlops("store", "info", "--bogus").Exit);
    }

    [Fact]
    public void Info_json_describes_the_store_and_where_its_location_came_from()
    {
        _cli.TrainRegisterPromote(Model);

        var (exit, json, error) = _cli.Json("store", "info");

        Assert.True(exit == 0, error);
        Assert.Equal(["backend", "location", "from", "schemaVersion", "runs", "models", "versions", "predictions", "catalogRecords", "artifacts", "artifactDirectory"],
            json.Select(p => p.Key));
        Assert.Equal("litedb", json["backend"]!.GetValue<string>());
        Assert.Equal(Path.Combine(_cli.StorePath, "mlops.db"), json["location"]!.GetValue<string>());
        Assert.Equal("option", json["from"]!.GetValue<string>());
        Assert.Equal(LiteDbRunStore.SchemaVersion, json["schemaVersion"]!.GetValue<int>());
        Assert.Equal((1, 1, 1, 0, 0), (json["runs"]!.GetValue<long>(), json["models"]!.GetValue<long>(), json["versions"]!.GetValue<long>(),
            json["predictions"]!.GetValue<long>(), json["catalogRecords"]!.GetValue<long>()));
        Assert.True(json["artifacts"]!.GetValue<long>() > 0);
        Assert.Equal(Path.Combine(_cli.StorePath, "artifacts"), json["artifactDirectory"]!.GetValue<string>());
    }

    [Fact]
    public void Without_an_option_the_environment_variable_then_the_nearest_mlops_yaml_names_the_store()
    {
        _cli.WriteFile("mlops.yaml", "store: team-store\n");
        var teamStore = Path.Combine(_cli.Directory, "team-store");
        using (var store = MlOps.Storage.Stores.OpenAt(teamStore))
            store.SaveRun(new MlOps.Tracking.Run { Id = "from-config", Experiment = "x" });
        var nested = Directory.CreateDirectory(Path.Combine(_cli.Directory, "notebooks", "deep")).FullName;

        // A child process: the working directory and the environment are its own.
        JsonObject Info(string? variable)
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = nested, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlops.dll"));
            foreach (var arg in new[] { "store", "info", "--json" }) start.ArgumentList.Add(arg);
            start.Environment.Remove("MLOPS_STORE");
            if (variable is not null) start.Environment["MLOPS_STORE"] = variable;
            using var process = System.Diagnostics.Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, error.Result);
            return Parse(output.Result);
        }

        var fromConfig = Info(null);
        Assert.Equal("config " + Path.Combine(_cli.Directory, "mlops.yaml"), fromConfig["from"]!.GetValue<string>());
        Assert.Equal(Path.Combine(teamStore, "mlops.db"), fromConfig["location"]!.GetValue<string>());
        Assert.Equal(1, fromConfig["runs"]!.GetValue<long>());

        _cli.TrainRegisterPromote(Model);
        var fromVariable = Info(_cli.StorePath);
        Assert.Equal("environment", fromVariable["from"]!.GetValue<string>());
        Assert.Equal(1, fromVariable["models"]!.GetValue<long>());
    }

    [Fact]
    public void Info_on_a_folder_without_a_store_exits_1_and_creates_nothing()
    {
        var (exit, json, _) = _cli.Json("store", "info");

        Assert.Equal(1, exit);
        Assert.Contains("There is no store at", json["error"]!.GetValue<string>());
        Assert.False(Directory.Exists(_cli.StorePath));
    }
}

/// <summary>
/// The CLI on a PostgreSQL store: the lifecycle verbs with --store postgres://..., store info, and a migration from a
/// local store into a new database (needs the PostgreSQL backend's partial stores).
/// </summary>
public sealed class StorePostgresCliTests : IDisposable
{
    private const string Model = "uc1";
    private readonly PostgresDatabase _database = new();
    private readonly string _artifacts = Directory.CreateTempSubdirectory("mlops-cli-pg-artifacts-").FullName;

    public void Dispose()
    {
        _database.Dispose();
        try { Directory.Delete(_artifacts, recursive: true); } catch (IOException) { }
    }

    private string Url => _database.Url + "?artifacts=" + Uri.EscapeDataString(_artifacts);

    [Fact]
    public void Experiment_register_promote_and_models_work_on_a_postgres_store()
    {
        using var cli = new CliHarness(Url);

        cli.TrainRegisterPromote(Model);

        var (exit, models, error) = cli.Json("models", "list");
        Assert.True(exit == 0, error);
        var model = models["models"]!.AsArray().Single()!;
        Assert.Equal((Model, 1), (model["name"]!.GetValue<string>(), model["productionVersion"]!.GetValue<int>()));
        var show = cli.Json("models", "show", Model).Json;
        Assert.Equal("Production", show["history"]![0]!["to"]!.GetValue<string>());
        var runs = cli.Json("experiment", "list").Json;
        Assert.Single(runs["runs"]!.AsArray());
        Assert.NotEmpty(Directory.EnumerateFiles(_artifacts, "*", SearchOption.AllDirectories));

        var info = cli.Json("store", "info").Json;
        Assert.Equal("postgres", info["backend"]!.GetValue<string>());
        var location = info["location"]!.GetValue<string>();
        Assert.Matches($"^postgres://[^:@/]+@[^/]+/{_database.Name}$", location); // the password never shows
        Assert.Equal((1, 1), (info["runs"]!.GetValue<long>(), info["versions"]!.GetValue<long>()));
        Assert.Equal(_artifacts, info["artifactDirectory"]!.GetValue<string>());
    }

    [Fact]
    public void Migrate_a_local_store_into_a_new_database_verifies_and_the_server_serves_the_same_models()
    {
        using var local = new CliHarness();
        local.TrainRegisterPromote(Model);

        var (exit, output, error) = StoreCliTests.Mlops("store", "migrate", "--from", local.StorePath, "--to", Url, "--json");

        Assert.True(exit == 0, error + output);
        var json = StoreCliTests.Parse(output);
        StoreCliTests.AssertMigrateShape(json);
        Assert.True(json["verified"]!.GetValue<bool>());
        using var server = new CliHarness(Url);
        Assert.Equal(1, server.Json("models", "list").Json["models"]![0]!["productionVersion"]!.GetValue<int>());
    }
}
