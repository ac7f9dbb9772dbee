using System.Text.Json.Nodes;
using static MlOps.Notebooks.Tests.TestNotebooks;

namespace MlOps.Notebooks.Tests;

public sealed class NotebookRunnerTests : IDisposable
{
    private readonly TestNotebooks _notebooks = new();

    public void Dispose() => _notebooks.Dispose();

    [Fact]
    public async Task Three_cells_run_in_order_and_their_outputs_land_in_the_executed_notebook()
    {
        var path = _notebooks.Write("three.ipynb",
            Markdown("# Three cells"),
            Code("var x = 21;"),
            Code("display(HTML(\"<b>bold</b>\"));"),
            Code("Console.WriteLine(\"hello from cell 3\");\nx * 2"));

        var result = await new NotebookRunner().RunAsync(path);

        Assert.Equal(NotebookStatus.Succeeded, result.Status);
        Assert.Null(result.FailedCell);
        Assert.Null(result.Error);
        Assert.Equal([1, 2, 3], result.Cells.Select(c => c.Index));
        Assert.All(result.Cells, c => Assert.Equal(CellStatus.Succeeded, c.Status));
        Assert.Equal(NotebookRunner.DefaultOutputPath(path), result.Output);

        var executed = Read(result.Output);
        var html = Assert.Single(Outputs(executed, 2));
        Assert.Equal("display_data", (string?)html!["output_type"]);
        Assert.Equal("<b>bold</b>", (string?)html["data"]!["text/html"]);

        var third = Outputs(executed, 3);
        var stream = third.Single(o => (string?)o!["output_type"] == "stream");
        Assert.Equal("stdout", (string?)stream!["name"]);
        Assert.Equal("hello from cell 3\n", (string?)stream["text"]);
        var returned = third.Single(o => (string?)o!["output_type"] == "execute_result");
        Assert.Equal("42", (string?)returned!["data"]!["text/plain"]);
        Assert.Equal(3, (int?)returned["execution_count"]);
        Assert.Equal(3, (int?)executed["cells"]![3]!["execution_count"]);
        Assert.Equal("succeeded", (string?)executed["cells"]![3]!["metadata"]!["mlops"]!["status"]);
    }

    [Fact]
    public async Task Fields_the_runner_does_not_know_survive_into_the_executed_notebook()
    {
        var code = Code("1");
        code["metadata"]!["custom"] = "cell field";
        var path = _notebooks.Write("fields.ipynb", code);

        var result = await new NotebookRunner().RunAsync(path);

        var executed = Read(result.Output);
        Assert.True((bool?)executed["metadata"]!["custom_field"]!["kept"]);
        Assert.Equal((string?)code["id"], (string?)executed["cells"]![0]!["id"]);
        Assert.Equal("cell field", (string?)executed["cells"]![0]!["metadata"]!["custom"]);
        Assert.Equal(4, (int?)executed["nbformat"]);
    }

    [Fact]
    public async Task A_failing_cell_stops_the_run_and_later_cells_are_skipped_not_run()
    {
        var marker = Path.Combine(_notebooks.Directory, "ran.txt");
        var path = _notebooks.Write("fails.ipynb",
            Code("Console.WriteLine(\"before\");"),
            Markdown("text"),
            Code("throw new InvalidOperationException(\"the data file is empty\");"),
            Code($"System.IO.File.WriteAllText(@\"{marker}\", \"ran\");"));

        var result = await new NotebookRunner().RunAsync(path);

        Assert.Equal(NotebookStatus.Failed, result.Status);
        Assert.Equal(2, result.FailedCell);
        Assert.Contains("the data file is empty", result.Error);
        Assert.Equal([CellStatus.Succeeded, CellStatus.Failed, CellStatus.Skipped], result.Cells.Select(c => c.Status));
        Assert.False(File.Exists(marker), "a cell after the failing one was run");

        var executed = Read(result.Output);
        var error = Assert.Single(Outputs(executed, 2));
        Assert.Equal("error", (string?)error!["output_type"]);
        Assert.Contains("the data file is empty", (string?)error["evalue"]);
        Assert.Contains("failed", (string?)executed["cells"]![2]!["metadata"]!["mlops"]!["status"]);
        Assert.Empty(Outputs(executed, 3));
        Assert.Null((int?)executed["cells"]![3]!["execution_count"]);
        Assert.Equal("skipped", (string?)executed["cells"]![3]!["metadata"]!["mlops"]!["status"]);
        Assert.Equal("failed", (string?)executed["metadata"]!["mlops"]!["status"]);
    }

    [Fact]
    public async Task A_compile_error_fails_its_cell_with_the_compiler_message()
    {
        var path = _notebooks.Write("compile.ipynb", Code("var y = undefinedName + 1;"), Code("1"));

        var result = await new NotebookRunner().RunAsync(path);

        Assert.Equal(0, result.FailedCell);
        Assert.Contains("CS0103", result.Error);
        Assert.Contains("undefinedName", result.Error);
        Assert.Equal(CellStatus.Skipped, result.Cells[1].Status);
    }

    [Fact]
    public async Task Old_outputs_of_skipped_cells_are_cleared_so_they_cannot_pass_for_this_run()
    {
        var stale = Code("2");
        ((JsonArray)stale["outputs"]!).Add(new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "stale" });
        stale["execution_count"] = 9;
        var path = _notebooks.Write("stale.ipynb", Code("throw new Exception(\"x\");"), stale);

        var result = await new NotebookRunner().RunAsync(path);

        var executed = Read(result.Output);
        Assert.Empty(Outputs(executed, 1));
        Assert.Null((int?)executed["cells"]![1]!["execution_count"]);
    }

    [Fact]
    public async Task A_cell_bound_to_another_kernel_fails_with_a_message_naming_it()
    {
        var fsharp = Code("let x = 1");
        fsharp["metadata"]!["polyglot_notebook"] = new JsonObject { ["kernelName"] = "fsharp" };
        var path = _notebooks.Write("fsharp.ipynb", fsharp);

        var result = await new NotebookRunner().RunAsync(path);

        Assert.Equal(0, result.FailedCell);
        Assert.Contains("'fsharp' kernel", result.Error);
    }

    [Fact]
    public async Task A_value_updated_in_place_is_one_output_with_the_last_value()
    {
        // The way an extension shows live progress: display through the invocation context, then Update.
        // (The script helper display(...) publishes a different value id than its Update in this version.)
        var path = _notebooks.Write("update.ipynb", Code(
            "var context = Microsoft.DotNet.Interactive.KernelInvocationContext.Current;\n" +
            "var shown = Microsoft.DotNet.Interactive.KernelInvocationContextExtensions.Display(context, \"stage 1 of 2\", \"text/plain\");\n" +
            "shown.Update(\"stage 2 of 2\");"));

        var result = await new NotebookRunner().RunAsync(path);

        var output = Assert.Single(Outputs(Read(result.Output), 0));
        Assert.Contains("stage 2 of 2", output!["data"]!["text/plain"]!.ToString());
    }

    [Fact]
    public async Task Progress_reports_the_start_and_end_of_every_code_cell()
    {
        var path = _notebooks.Write("progress.ipynb", Code("1"), Markdown("m"), Code("throw new Exception(\"no\");"), Code("3"));
        var reports = new List<CellProgress>();

        await new NotebookRunner().RunAsync(path, new NotebookRunOptions { Progress = new SynchronousProgress<CellProgress>(reports.Add) });

        Assert.Equal(
            [(0, 1, (CellStatus?)null), (0, 1, CellStatus.Succeeded), (2, 2, null), (2, 2, CellStatus.Failed), (3, 3, CellStatus.Skipped)],
            reports.Select(r => (r.Index, r.Number, r.Status)));
        Assert.All(reports, r => Assert.Equal(3, r.Count));
        Assert.Contains("no", reports[3].Error);
    }

    [Fact]
    public async Task Cells_see_the_notebook_directory_as_current_directory()
    {
        File.WriteAllText(Path.Combine(_notebooks.Directory, "data.csv"), "a,b");
        var path = _notebooks.Write("cwd.ipynb", Code("System.IO.File.ReadAllText(\"data.csv\")"));

        var result = await new NotebookRunner().RunAsync(path);

        Assert.Equal(NotebookStatus.Succeeded, result.Status);
        Assert.Contains("a,b", (string?)Outputs(Read(result.Output), 0)[0]!["data"]!["text/plain"]);
    }

    [Fact]
    public async Task The_executed_notebook_is_written_to_the_given_path_without_temp_files_left()
    {
        var path = _notebooks.Write("out.ipynb", Code("1"));
        var output = Path.Combine(_notebooks.Directory, "sub", "result.ipynb");

        var result = await new NotebookRunner().RunAsync(path, new NotebookRunOptions { OutputPath = output });

        Assert.Equal(output, result.Output);
        Assert.True(File.Exists(output));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, "*.tmp"));
        Assert.NotNull(result.FirstCellSeconds);
        Assert.True(result.Cells[0].Seconds > 0);
    }

    [Theory]
    [InlineData("missing.ipynb", "does not exist")]
    [InlineData("notebook.txt", "extension '.txt'")]
    [InlineData("broken.ipynb", "not valid JSON")]
    [InlineData("nocells.ipynb", "no 'cells' array")]
    public async Task An_unreadable_notebook_throws_a_message_naming_the_problem(string name, string expected)
    {
        if (name != "missing.ipynb")
        {
            _notebooks.WriteText(name, name == "nocells.ipynb" ? "{\"nbformat\": 4}" : "{ not json");
        }

        var e = await Assert.ThrowsAsync<NotebookFormatException>(() => new NotebookRunner().RunAsync(Path.Combine(_notebooks.Directory, name)));
        Assert.Contains(expected, e.Message);
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests need the reports in order and complete.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
