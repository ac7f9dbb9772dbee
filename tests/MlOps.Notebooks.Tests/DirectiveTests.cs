using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using static MlOps.Notebooks.Tests.TestNotebooks;

namespace MlOps.Notebooks.Tests;

/// <summary>How a KernelActionDirective extension behaves in the runner's kernel (the #!experiment model).</summary>
public sealed class DirectiveTests : IDisposable
{
    private readonly TestNotebooks _notebooks = new();

    public void Dispose() => _notebooks.Dispose();

    [Fact]
    public async Task A_loaded_extension_directive_displays_html_and_sets_a_variable_for_the_next_cell()
    {
        var path = _notebooks.Write("hello.ipynb", Code("#!hello --name Ada --shout"), Code("greeting.Length"), Code("#!hello world\ngreeting"));

        var result = await new NotebookRunner().RunAsync(path, new NotebookRunOptions { Extensions = [new HelloExtension()] });

        Assert.Equal(NotebookStatus.Succeeded, result.Status);
        var executed = Read(result.Output);
        var html = Assert.Single(Outputs(executed, 0));
        Assert.Equal("<p class=\"hello\">HELLO, ADA!</p>", (string?)html!["data"]!["text/html"]);
        Assert.Equal("11", (string?)Outputs(executed, 1)[0]!["data"]!["text/plain"]);
        // The implicit name form (`#!hello world`) binds to --name.
        Assert.Contains("Hello, world!", Outputs(executed, 2).Select(o => o!["data"]!["text/plain"]?.ToString()));
    }

    [Fact]
    public async Task Extensions_load_from_an_assembly_file_like_a_package_extension_folder()
    {
        var path = _notebooks.Write("hello-dll.ipynb", Code("#!hello --name file"));

        var result = await new NotebookRunner().RunAsync(path, new NotebookRunOptions
        {
            ExtensionAssemblies = [typeof(HelloExtension).Assembly.Location],
        });

        Assert.Equal(NotebookStatus.Succeeded, result.Status);
        Assert.Contains("Hello, file!", (string?)Outputs(Read(result.Output), 0)[0]!["data"]!["text/html"]);
    }

    [Fact]
    public async Task A_directive_missing_its_required_parameter_fails_the_cell_with_the_parser_message()
    {
        var path = _notebooks.Write("hello-bad.ipynb", Code("#!hello"), Code("1"));

        var result = await new NotebookRunner().RunAsync(path, new NotebookRunOptions { Extensions = [new HelloExtension()] });

        Assert.Equal(0, result.FailedCell);
        Assert.Contains("Missing required parameter '--name'", result.Error);
        Assert.Equal(CellStatus.Skipped, result.Cells[1].Status);
    }

    [Fact]
    public async Task An_unknown_option_fails_the_cell()
    {
        var path = _notebooks.Write("hello-unknown.ipynb", Code("#!hello --name a --colour red"));

        var result = await new NotebookRunner().RunAsync(path, new NotebookRunOptions { Extensions = [new HelloExtension()] });

        Assert.Equal(0, result.FailedCell);
        Assert.Contains("--colour", result.Error);
    }

    [Fact]
    public async Task Parameter_value_completions_come_from_AddCompletions()
    {
        using var kernel = NotebookRunner.CreateKernel();
        await new HelloExtension().OnLoadAsync(kernel);
        const string code = "#!hello --name ";

        var result = await kernel.SendAsync(new RequestCompletions(code, new LinePosition(0, code.Length)));

        var completions = Assert.Single(result.Events.OfType<CompletionsProduced>()).Completions.Select(c => c.DisplayText);
        Assert.Superset(HelloExtension.KnownNames.ToHashSet(), completions.ToHashSet());
    }

    [Fact]
    public async Task An_extension_that_fails_to_load_fails_the_run_before_any_cell()
    {
        var marker = Path.Combine(_notebooks.Directory, "ran.txt");
        var path = _notebooks.Write("badext.ipynb", Code($"System.IO.File.WriteAllText(@\"{marker}\", \"ran\");"));

        var result = await new NotebookRunner().RunAsync(path, new NotebookRunOptions { Extensions = [new FailingExtension()] });

        Assert.Equal(NotebookStatus.Failed, result.Status);
        Assert.Null(result.FailedCell);
        Assert.Contains("FailingExtension", result.Error);
        Assert.Contains("no database configured", result.Error);
        Assert.Equal(CellStatus.Skipped, Assert.Single(result.Cells).Status);
        Assert.False(File.Exists(marker));
        Assert.True(File.Exists(result.Output));
    }

    private sealed class FailingExtension : IKernelExtension
    {
        public Task OnLoadAsync(Kernel kernel) => throw new InvalidOperationException("no database configured");
    }
}
