using System.Globalization;
using System.Xml.Linq;

namespace MlOps.Notebooks;

/// <summary>
/// Writes a run as a JUnit XML report so that CI systems list each code cell as a test case: a failed
/// cell is a &lt;failure&gt; with the error, a cell not run after it is &lt;skipped/&gt;.
/// </summary>
public static class JUnitReport
{
    public static XDocument Create(NotebookRunResult result)
    {
        var name = Path.GetFileName(result.Notebook);
        var failures = result.Cells.Count(c => c.Status == CellStatus.Failed);
        var skipped = result.Cells.Count(c => c.Status == CellStatus.Skipped);
        var seconds = Format(result.Cells.Sum(c => c.Seconds));

        var suite = new XElement("testsuite",
            new XAttribute("name", name),
            new XAttribute("tests", result.Cells.Count),
            new XAttribute("failures", failures),
            new XAttribute("errors", 0),
            new XAttribute("skipped", skipped),
            new XAttribute("time", seconds),
            new XElement("properties",
                new XElement("property", new XAttribute("name", "notebook"), new XAttribute("value", result.Notebook)),
                new XElement("property", new XAttribute("name", "output"), new XAttribute("value", result.Output))));

        foreach (var cell in result.Cells)
        {
            var testCase = new XElement("testcase",
                new XAttribute("classname", name),
                new XAttribute("name", $"cell {cell.Index}{(cell.Injected ? " (injected parameters)" : "")}: {FirstLine(cell.Source)}"),
                new XAttribute("time", Format(cell.Seconds)));
            switch (cell.Status)
            {
                case CellStatus.Failed:
                    testCase.Add(new XElement("failure",
                        new XAttribute("message", FirstLine(cell.Error ?? "failed")),
                        new XAttribute("type", "CellFailed"),
                        cell.Error ?? ""));
                    break;
                case CellStatus.Skipped:
                    testCase.Add(new XElement("skipped", new XAttribute("message", "not run: an earlier cell failed")));
                    break;
            }

            suite.Add(testCase);
        }

        // An extension that failed to load fails the run without failing a cell: report it on the suite.
        if (result.Error is not null && result.FailedCell is null)
        {
            suite.Add(new XElement("system-err", result.Error));
        }

        return new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XElement("testsuites",
                new XAttribute("name", "mlops run"),
                new XAttribute("tests", result.Cells.Count),
                new XAttribute("failures", failures),
                new XAttribute("errors", 0),
                new XAttribute("skipped", skipped),
                new XAttribute("time", seconds),
                suite));
    }

    /// <summary>Writes the report atomically (temp file, then move), like the executed notebook.</summary>
    public static void Write(NotebookRunResult result, string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            Create(result).Save(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        return line.Length > 80 ? line[..77] + "..." : line;
    }

    private static string Format(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);
}
