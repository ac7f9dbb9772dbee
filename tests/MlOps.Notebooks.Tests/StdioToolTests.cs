namespace MlOps.Notebooks.Tests;

/// <summary>The real dotnet-interactive 1.0.712001 in stdio mode: the route the packed-extension test will take.</summary>
public sealed class StdioToolTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly TestNotebooks _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Submitting_code_returns_the_value_and_a_compile_error_fails_the_command()
    {
        var tool = await DotnetInteractiveTool.EnsureInstalledAsync();
        await using var kernel = await StdioKernel.StartAsync(tool, _directory.Directory, Timeout);

        var events = await kernel.SubmitCodeAsync("1+1", Timeout);

        Assert.Equal("CommandSucceeded", (string?)events[^1]["eventType"]);
        var returned = Assert.Single(events, e => (string?)e["eventType"] == "ReturnValueProduced");
        var html = returned["event"]!["formattedValues"]!.AsArray().Single(v => (string?)v!["mimeType"] == "text/html");
        Assert.Contains("<pre>2</pre>", (string?)html!["value"]);

        var failed = await kernel.SubmitCodeAsync("undefinedThing", Timeout);

        Assert.Equal("CommandFailed", (string?)failed[^1]["eventType"]);
        Assert.Contains("CS0103", (string?)failed[^1]["event"]!["message"]);
    }
}
