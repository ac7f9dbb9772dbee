using System.Xml.Linq;
using static MlOps.Notebooks.Tests.TestNotebooks;

namespace MlOps.Notebooks.Tests;

public sealed class JUnitReportTests : IDisposable
{
    private readonly TestNotebooks _notebooks = new();

    public void Dispose() => _notebooks.Dispose();

    [Fact]
    public async Task Each_code_cell_is_a_testcase_with_failures_and_skips_marked()
    {
        var path = _notebooks.Write("report.ipynb",
            Code("var ok = 1;"),
            Markdown("not a test"),
            Code("throw new InvalidOperationException(\"bad <input> & more\");"),
            Code("2"));
        var result = await new NotebookRunner().RunAsync(path);
        var reportPath = Path.Combine(_notebooks.Directory, "reports", "junit.xml");

        JUnitReport.Write(result, reportPath);

        var report = XDocument.Load(reportPath);
        var suite = report.Root!.Element("testsuite")!;
        Assert.Equal("report.ipynb", (string?)suite.Attribute("name"));
        Assert.Equal("3", (string?)suite.Attribute("tests"));
        Assert.Equal("1", (string?)suite.Attribute("failures"));
        Assert.Equal("1", (string?)suite.Attribute("skipped"));
        var cases = suite.Elements("testcase").ToArray();
        Assert.Equal(["cell 0: var ok = 1;", "cell 2: throw new InvalidOperationException(\"bad <input> & more\");", "cell 3: 2"],
            cases.Select(c => (string?)c.Attribute("name")));
        Assert.Null(cases[0].Element("failure"));
        Assert.Contains("bad <input> & more", cases[1].Element("failure")!.Value);
        Assert.NotNull(cases[2].Element("skipped"));
        Assert.All(cases, c => Assert.True(double.Parse((string)c.Attribute("time")!, System.Globalization.CultureInfo.InvariantCulture) >= 0));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(reportPath)!, "*.tmp"));
    }
}
