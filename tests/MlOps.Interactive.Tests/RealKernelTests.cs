using System.Diagnostics;
using System.Text.Json.Nodes;
using MlOps.Notebooks.Tests;

namespace MlOps.Interactive.Tests;

/// <summary>
/// The packed extension in the real dotnet-interactive 1.0.712001 (stdio mode): loaded from a local folder feed
/// with #i/#r, #!experiment renders HTML with SVG charts, and a bad option fails the command with its message.
/// </summary>
public sealed class RealKernelTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    private readonly string _directory = Directory.CreateTempSubdirectory("mlops-real-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task The_packed_extension_loads_from_a_folder_feed_and_runs_experiment_in_the_real_kernel()
    {
        var tool = await DotnetInteractiveTool.EnsureInstalledAsync();
        // NuGet caches a package by version: a fresh version makes the kernel take this build, not a cached one.
        var version = "0.1.0-test" + DateTime.UtcNow.ToString("yyyyMMddHHmmss");
        var feed = Path.Combine(_directory, "feed");
        await PackAsync(version, feed);
        // Its own version: the first restore puts a package in the shared cache, where the other route would find it.
        await LoadsWithTheFeedAsAUserNuGetSourceAsync(tool, version + ".user");
        await using var kernel = await StdioKernel.StartAsync(tool, _directory, Timeout);

        var load = await kernel.SubmitCodeAsync($"#i \"nuget: {feed}\"\n#r \"nuget: MlOps.Interactive, {version}\"", Timeout);
        Assert.True((string?)load[^1]["eventType"] == "CommandSucceeded", Describe(load));

        var store = Path.Combine(_directory, ".mlops");
        var run = await kernel.SubmitCodeAsync(
            $"#!experiment run --name real --data \"{KernelSession.Cwur}\" --filter \"world_rank <= 100\" --label \"world_rank < 50\" --split-by year --trainer FastTree --store \"{store}\"",
            Timeout);
        Assert.True((string?)run[^1]["eventType"] == "CommandSucceeded", Describe(run));
        var values = run.Where(e => (string?)e["eventType"] == "DisplayedValueProduced")
            .SelectMany(e => e["event"]!["formattedValues"]!.AsArray()).ToList();
        // The charts are inline SVG in text/html (Plotly.NET cannot load in this kernel): the real kernel must carry them.
        var report = values.Select(v => (string?)v!["value"] ?? "").Single(v => v.Contains("mlops-experiment"));
        foreach (var chart in new[] { "<svg", "ROC", "Precision-recall", "Confusion matrix" })
            Assert.Contains(chart, report);
        Assert.DoesNotContain("<script", report);
        Assert.Contains(values, v => (string?)v!["mimeType"] == "text/plain" && ((string?)v["value"])!.Contains("experiment real"));
        // Live progress: displayed, then updated in place under the same value id.
        var progress = run.First(e => (string?)e["eventType"] == "DisplayedValueProduced");
        Assert.Contains("mlops-progress", (string?)progress["event"]!["formattedValues"]![0]!["value"]);
        Assert.Contains(run, e => (string?)e["eventType"] == "DisplayedValueUpdated" && (string?)e["event"]!["valueId"] == (string?)progress["event"]!["valueId"]);

        var next = await kernel.SubmitCodeAsync("lastExperiment.Runs.Count", Timeout);
        Assert.Contains(next, e => (string?)e["eventType"] == "ReturnValueProduced"
            && e["event"]!["formattedValues"]!.AsArray().Any(v => ((string?)v!["value"])!.Contains('1')));

        // A directive takes a C# value with @csharp:name (exp1.ipynb compares and exports runs that way).
        var id = await kernel.SubmitCodeAsync("var firstRun = lastExperiment.Runs[0].Run.Id;", Timeout);
        Assert.True((string?)id[^1]["eventType"] == "CommandSucceeded", Describe(id));
        var show = await kernel.SubmitCodeAsync($"#!experiment show @csharp:firstRun --store \"{store}\"", Timeout);
        Assert.True((string?)show[^1]["eventType"] == "CommandSucceeded", Describe(show));
        Assert.Contains(show, e => (string?)e["eventType"] == "DisplayedValueProduced" && e["event"]!["formattedValues"]!.AsArray()
            .Any(v => (string?)v!["mimeType"] == "text/html" && ((string?)v["value"])!.Contains("mlops-run")));

        var bad = await kernel.SubmitCodeAsync($"#!experiment run --name real --trainr FastTree --store \"{store}\"", Timeout);
        Assert.Equal("CommandFailed", (string?)bad[^1]["eventType"]);
        Assert.Contains("no option '--trainr'", (string?)bad[^1]["event"]!["message"]);
    }

    /// <summary>
    /// exp1.ipynb's route: `#i` takes no relative path ("Invalid URI"), so a clone adds its feed once as a user NuGet
    /// source and the notebook has only `#r "nuget: MlOps.Interactive, ..."`. The kernel gets its own HOME (and so its
    /// own user NuGet.Config) to leave the machine's untouched; the package cache stays the shared one.
    /// </summary>
    private async Task LoadsWithTheFeedAsAUserNuGetSourceAsync(string tool, string version)
    {
        var feed = Path.Combine(_directory, "user-feed");
        await PackAsync(version, feed);
        var home = Path.Combine(_directory, "home");
        Directory.CreateDirectory(Path.Combine(home, ".nuget", "NuGet"));
        File.WriteAllText(Path.Combine(home, ".nuget", "NuGet", "NuGet.Config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
                <add key="mlops-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var environment = new Dictionary<string, string> { ["HOME"] = home, ["NUGET_PACKAGES"] = packages, ["DOTNET_CLI_HOME"] = home };
        await using var kernel = await StdioKernel.StartAsync(tool, _directory, Timeout, environment);

        var load = await kernel.SubmitCodeAsync($"#r \"nuget: MlOps.Interactive, {version}\"", Timeout);
        Assert.True((string?)load[^1]["eventType"] == "CommandSucceeded", Describe(load));
        var list = await kernel.SubmitCodeAsync($"#!experiment list --store \"{Path.Combine(_directory, "empty-store")}\"", Timeout);
        Assert.True((string?)list[^1]["eventType"] == "CommandSucceeded", Describe(list));
    }

    private static string Describe(IReadOnlyList<JsonObject> events) =>
        string.Join("\n", events.Select(e => $"{e["eventType"]}: {e["event"]?["message"] ?? ""}"));

    private static async Task PackAsync(string version, string feed)
    {
        var project = Path.Combine(DotnetInteractiveTool.RepositoryRoot(), "src", "MlOps.Interactive", "MlOps.Interactive.csproj");
        var pack = Process.Start(new ProcessStartInfo("dotnet", ["pack", project, "-o", feed, $"-p:Version={version}", "-v", "q"])
        {
            // Not the inherited directory, which notebook tests running beside this one may have moved and deleted.
            WorkingDirectory = DotnetInteractiveTool.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = pack.StandardOutput.ReadToEndAsync();
        var error = pack.StandardError.ReadToEndAsync();
        await pack.WaitForExitAsync();
        Assert.True(pack.ExitCode == 0, $"dotnet pack failed: {await output} {await error}");
    }
}
