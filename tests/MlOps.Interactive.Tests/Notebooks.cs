using System.Text.Json.Nodes;

namespace MlOps.Interactive.Tests;

/// <summary>Writes small .ipynb files (C# code cells) into a folder.</summary>
public static class Notebooks
{
    public static string Write(string directory, string name, params string[] cells)
    {
        var root = new JsonObject
        {
            ["cells"] = new JsonArray(cells.Select(source => (JsonNode)new JsonObject
            {
                ["cell_type"] = "code",
                ["execution_count"] = null,
                // A cell starting with "// parameters" gets the papermill tag.
                ["metadata"] = source.StartsWith("// parameters", StringComparison.Ordinal)
                    ? new JsonObject { ["tags"] = new JsonArray("parameters") }
                    : new JsonObject(),
                ["outputs"] = new JsonArray(),
                ["source"] = source,
            }).ToArray()),
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }

    public static JsonArray Outputs(string executed, int cell) =>
        (JsonArray)JsonNode.Parse(File.ReadAllText(executed))!["cells"]![cell]!["outputs"]!;
}
