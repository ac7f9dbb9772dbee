namespace MlOps.Notebooks.Tests;

public sealed class DibTests : IDisposable
{
    private readonly TestNotebooks _notebooks = new();

    public void Dispose() => _notebooks.Dispose();

    [Fact]
    public async Task A_dib_runs_and_becomes_an_executed_ipynb()
    {
        var path = _notebooks.WriteText("notes.dib", """
            #!meta

            {"kernelInfo":{"defaultKernelName":"csharp","items":[{"aliases":[],"name":"csharp"}]}}

            #!markdown

            # A .dib notebook

            #!csharp

            var y = 2;
            Console.WriteLine("from dib");

            #!csharp

            y + 3
            """);

        var result = await new NotebookRunner().RunAsync(path);

        Assert.Equal(NotebookStatus.Succeeded, result.Status);
        Assert.EndsWith("notes.executed.ipynb", result.Output);
        var executed = TestNotebooks.Read(result.Output);
        var cells = executed["cells"]!.AsArray();
        Assert.Equal(["markdown", "code", "code"], cells.Select(c => (string?)c!["cell_type"]));
        Assert.Contains("# A .dib notebook", (string?)cells[0]!["source"]);
        Assert.Equal("from dib\n", (string?)TestNotebooks.Outputs(executed, 1)[0]!["text"]);
        Assert.Equal("5", (string?)TestNotebooks.Outputs(executed, 2)[0]!["data"]!["text/plain"]);
        Assert.Equal(4, (int?)executed["nbformat"]);
    }

    [Fact]
    public async Task A_failing_dib_cell_is_reported_like_an_ipynb_cell()
    {
        var path = _notebooks.WriteText("fails.dib", """
            #!csharp

            throw new Exception("dib failure");

            #!csharp

            1
            """);

        var result = await new NotebookRunner().RunAsync(path);

        Assert.Equal(0, result.FailedCell);
        Assert.Contains("dib failure", result.Error);
        Assert.Equal(CellStatus.Skipped, result.Cells[1].Status);
    }
}
