using System.Text.Json.Nodes;

namespace MlOps.Cli.Tests;

/// <summary>Runs the real `mlops` command tree in-process against a fresh LiteDB store in a temp folder, or the store given.</summary>
public sealed class CliHarness : IDisposable
{
    public CliHarness(string? store = null)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mlops-cli-").FullName;
        StorePath = store ?? Path.Combine(Directory, ".mlops");
    }

    public string Directory { get; }

    /// <summary>The --store every command gets: a folder, or a postgres:// URL.</summary>
    public string StorePath { get; }

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Rankings => Path.Combine(RepoRoot, "assets", "data", "world-university-rankings");

    public static string ParamsFile => Path.Combine(RepoRoot, "params.yaml");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlOps.Interactive.sln")))
                return dir.FullName;
        throw new InvalidOperationException("repo root not found");
    }

    public (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CliApp.Run([.. args, "--store", StorePath], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Run with --json and parse stdout.</summary>
    public (int Exit, JsonObject Json, string Err) Json(params string[] args)
    {
        var (exit, output, error) = Run([.. args, "--json"]);
        JsonObject json;
        try
        {
            json = JsonNode.Parse(output)!.AsObject();
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"stdout is not one JSON object ({e.Message}):\n{output}\nstderr:\n{error}");
        }
        return (exit, json, error);
    }

    /// <summary>Train cwurData (params.yaml, 20 trees), register the run as <paramref name="model"/> v1 and promote it to Production.</summary>
    public void TrainRegisterPromote(string model)
    {
        var (exit, json, err) = Json("experiment", "run", "--name", model, "--params", ParamsFile,
            "--set", $"data.path={Path.Combine(Rankings, "cwurData.csv")}", "--set", "train.n_est=20", "--quiet");
        Assert.True(exit == 0, err);
        var run = json["runs"]!.AsArray().Single()!["id"]!.GetValue<string>();
        Assert.Equal(0, Run("register", "--run", run, "--model", model).Exit);
        var promote = Run("promote", "--model", model, "--version", "1", "--stage", "Production", "--reason", "tests");
        Assert.True(promote.Exit == 0, promote.Err + promote.Out);
    }

    public string WriteFile(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
