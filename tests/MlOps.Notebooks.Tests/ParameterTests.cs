using static MlOps.Notebooks.Tests.TestNotebooks;

namespace MlOps.Notebooks.Tests;

public sealed class ParameterTests : IDisposable
{
    private readonly TestNotebooks _notebooks = new();

    public void Dispose() => _notebooks.Dispose();

    private string ParametersNotebook() => _notebooks.Write("params.ipynb",
        Markdown("# Parameters"),
        Code("double alpha = 0.5;\nstring name = \"default\";\nint epochs = 3;\nbool verbose = false;", "parameters"),
        Code("Console.Write($\"{alpha}|{name}|{epochs}|{verbose}\");"));

    [Fact]
    public async Task Overrides_are_injected_after_the_parameters_cell_and_win()
    {
        var result = await new NotebookRunner().RunAsync(ParametersNotebook(), new NotebookRunOptions
        {
            Parameters = new Dictionary<string, string> { ["alpha"] = "0.125", ["name"] = "say \"hi\"", ["epochs"] = "7", ["verbose"] = "true" },
        });

        Assert.Equal(NotebookStatus.Succeeded, result.Status);
        var executed = Read(result.Output);
        var injected = executed["cells"]![2]!;
        Assert.Equal("injected-parameters", (string?)injected["metadata"]!["tags"]![0]);
        Assert.True(result.Cells.Single(c => c.Index == 2).Injected);
        Assert.Contains("alpha = 0.125;", NotebookDocumentSource(injected));
        Assert.Equal("0.125|say \"hi\"|7|True", (string?)Outputs(executed, 3)[0]!["text"]);
        Assert.Equal("7", (string?)executed["metadata"]!["mlops"]!["parameters"]!["epochs"]);
    }

    [Fact]
    public async Task Without_overrides_no_cell_is_injected()
    {
        var result = await new NotebookRunner().RunAsync(ParametersNotebook());

        Assert.Equal(3, Read(result.Output)["cells"]!.AsArray().Count);
        Assert.Equal("0.5|default|3|False", (string?)Outputs(Read(result.Output), 2)[0]!["text"]);
    }

    [Fact]
    public async Task An_undeclared_parameter_fails_the_injected_cell_instead_of_creating_a_variable()
    {
        var result = await new NotebookRunner().RunAsync(ParametersNotebook(), new NotebookRunOptions
        {
            Parameters = new Dictionary<string, string> { ["alpah"] = "1" },
        });

        Assert.Equal(2, result.FailedCell);
        Assert.Contains("alpah", result.Error);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_fails_with_the_compiler_message()
    {
        var result = await new NotebookRunner().RunAsync(ParametersNotebook(), new NotebookRunOptions
        {
            Parameters = new Dictionary<string, string> { ["epochs"] = "2.5" },
        });

        Assert.Equal(2, result.FailedCell);
        Assert.Contains("CS0266", result.Error);
    }

    [Fact]
    public async Task Parameters_without_a_parameters_cell_are_refused_before_running()
    {
        var path = _notebooks.Write("noparams.ipynb", Code("1"));

        var e = await Assert.ThrowsAsync<NotebookFormatException>(() => new NotebookRunner().RunAsync(path, new NotebookRunOptions
        {
            Parameters = new Dictionary<string, string> { ["x"] = "1" },
        }));

        Assert.Contains("no code cell tagged 'parameters'", e.Message);
        Assert.False(File.Exists(NotebookRunner.DefaultOutputPath(path)));
    }

    [Theory]
    [InlineData("42", "42")]
    [InlineData("-3", "-3")]
    [InlineData("0.5", "0.5")]
    [InlineData(".5", ".5")]
    [InlineData("1e-3", "1e-3")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    [InlineData("True", "\"True\"")]
    [InlineData("1.", "\"1.\"")]
    [InlineData("data/x.csv", "\"data/x.csv\"")]
    [InlineData("a\\b\"c\n", "\"a\\\\b\\\"c\\n\"")]
    public void Literals_are_typed_from_their_text(string value, string literal) =>
        Assert.Equal(literal, ParameterInjection.ToLiteral(value));

    [Fact]
    public void A_name_that_is_not_an_identifier_is_refused()
    {
        var e = Assert.Throws<NotebookFormatException>(() => ParameterInjection.ToSource(new Dictionary<string, string> { ["a-b"] = "1" }));
        Assert.Contains("'a-b' is not a C# identifier", e.Message);
    }

    private static string NotebookDocumentSource(System.Text.Json.Nodes.JsonNode cell) =>
        NotebookDocument.GetSource((System.Text.Json.Nodes.JsonObject)cell);
}
