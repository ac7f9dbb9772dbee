using System.Text.Json.Nodes;

namespace MlOps.Notebooks.Tests;

/// <summary>Builds small .ipynb files in a temp directory that is deleted with the instance.</summary>
public sealed class TestNotebooks : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "mlops-nb-" + Guid.NewGuid().ToString("N")[..8]);

    public TestNotebooks() => System.IO.Directory.CreateDirectory(Directory);

    public static JsonObject Code(string source, params string[] tags) => new()
    {
        ["cell_type"] = "code",
        ["execution_count"] = null,
        ["id"] = Guid.NewGuid().ToString("N")[..8],
        ["metadata"] = tags.Length == 0 ? new JsonObject() : new JsonObject { ["tags"] = new JsonArray(tags.Select(t => (JsonNode)t).ToArray()) },
        ["outputs"] = new JsonArray(),
        // Jupyter stores sources as arrays of lines: use that form so the runner's joining is exercised.
        ["source"] = new JsonArray(SplitLines(source).Select(l => (JsonNode)l).ToArray()),
    };

    public static JsonObject Markdown(string source) => new()
    {
        ["cell_type"] = "markdown",
        ["id"] = Guid.NewGuid().ToString("N")[..8],
        ["metadata"] = new JsonObject(),
        ["source"] = source,
    };

    public string Write(string name, params JsonObject[] cells)
    {
        var root = new JsonObject
        {
            ["cells"] = new JsonArray(cells),
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["custom_field"] = new JsonObject { ["kept"] = true },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }

    public string WriteText(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public static JsonObject Read(string path) => (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;

    public static JsonArray Outputs(JsonObject notebook, int index) => (JsonArray)notebook["cells"]![index]!["outputs"]!;

    private static IEnumerable<string> SplitLines(string source)
    {
        var lines = source.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            yield return i < lines.Length - 1 ? lines[i] + "\n" : lines[i];
        }
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test for.
        }
    }
}
