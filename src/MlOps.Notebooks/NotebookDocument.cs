using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;

namespace MlOps.Notebooks;

/// <summary>
/// A notebook held as nbformat 4 JSON. An .ipynb is kept as its own JSON tree so that fields we do not
/// know (cell ids, attachments, widget state, custom metadata) survive into the executed notebook; a
/// .dib is parsed with Microsoft.DotNet.Interactive.Documents and turned into the same shape, since a
/// .dib has no place for outputs.
/// </summary>
internal sealed class NotebookDocument
{
    private NotebookDocument(JsonObject root) => Root = root;

    public JsonObject Root { get; }

    public JsonArray Cells => (JsonArray)Root["cells"]!;

    public static NotebookDocument Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new NotebookFormatException($"Notebook '{path}' does not exist. Pass the path of an existing .ipynb or .dib file.");
        }

        var text = File.ReadAllText(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".ipynb" => FromIpynb(text, path),
            ".dib" => FromDib(text),
            var ext => throw new NotebookFormatException(
                $"Notebook '{path}' has the extension '{ext}', which the runner cannot read. Use an .ipynb (Jupyter) or .dib (Polyglot Notebooks) file."),
        };
    }

    public static NotebookDocument FromIpynb(string json, string pathForMessages = "notebook")
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new NotebookFormatException(
                $"Notebook '{pathForMessages}' is not valid JSON ({e.Message}). Open it in Jupyter or VS Code and save it again, or fix the JSON by hand.", e);
        }

        if (node is not JsonObject root || root["cells"] is not JsonArray cells)
        {
            throw new NotebookFormatException(
                $"Notebook '{pathForMessages}' has no 'cells' array, so it is not an nbformat 4 notebook. Save it as nbformat 4 (.ipynb) from Jupyter or VS Code.");
        }

        foreach (var cell in cells)
        {
            if (cell is not JsonObject)
            {
                throw new NotebookFormatException($"Notebook '{pathForMessages}' has a cell that is not a JSON object. Fix the notebook JSON or save it again from an editor.");
            }
        }

        return new NotebookDocument(root);
    }

    public static NotebookDocument FromDib(string text)
    {
        var document = CodeSubmission.Parse(text, KnownKernels());
        var cells = new JsonArray();
        foreach (var element in document.Elements)
        {
            if (element.KernelName is "markdown" or "md")
            {
                cells.Add(new JsonObject
                {
                    ["cell_type"] = "markdown",
                    ["metadata"] = new JsonObject(),
                    ["source"] = element.Contents,
                });
            }
            else
            {
                cells.Add(new JsonObject
                {
                    ["cell_type"] = "code",
                    ["execution_count"] = null,
                    ["metadata"] = new JsonObject
                    {
                        ["polyglot_notebook"] = new JsonObject { ["kernelName"] = element.KernelName ?? "csharp" },
                    },
                    ["outputs"] = new JsonArray(),
                    ["source"] = element.Contents,
                });
            }
        }

        var root = new JsonObject
        {
            ["cells"] = cells,
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject
                {
                    ["display_name"] = ".NET (C#)",
                    ["language"] = "C#",
                    ["name"] = ".net-csharp",
                },
                ["language_info"] = new JsonObject { ["name"] = "csharp" },
                ["polyglot_notebook"] = new JsonObject
                {
                    ["kernelInfo"] = new JsonObject
                    {
                        ["defaultKernelName"] = "csharp",
                        ["items"] = new JsonArray(new JsonObject { ["name"] = "csharp" }),
                    },
                },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        return new NotebookDocument(root);
    }

    /// <summary>The kernels a .dib may name; anything else is parsed as a cell of that name and fails when run.</summary>
    private static KernelInfoCollection KnownKernels() =>
    [
        new KernelInfo("csharp", "C#", ["c#", "cs"]),
        new KernelInfo("markdown", "Markdown", ["md"]),
    ];

    public static bool IsCode(JsonObject cell) => (string?)cell["cell_type"] == "code";

    /// <summary>nbformat allows a multiline string as one string or as an array of lines.</summary>
    public static string GetSource(JsonObject cell) => cell["source"] switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        JsonValue value => (string?)value ?? "",
        _ => "",
    };

    public static IReadOnlyList<string> GetTags(JsonObject cell) =>
        cell["metadata"]?["tags"] is JsonArray tags ? tags.Select(t => (string?)t ?? "").ToArray() : [];

    /// <summary>The kernel a Polyglot Notebooks cell is bound to, if it says; null means the notebook default.</summary>
    public static string? GetKernelName(JsonObject cell) =>
        (string?)cell["metadata"]?["polyglot_notebook"]?["kernelName"]
        ?? (string?)cell["metadata"]?["dotnet_interactive"]?["language"];

    public static JsonObject Metadata(JsonObject cell)
    {
        if (cell["metadata"] is JsonObject metadata)
        {
            return metadata;
        }

        metadata = new JsonObject();
        cell["metadata"] = metadata;
        return metadata;
    }

    /// <summary>
    /// Writes next to the target and then moves over it, so that a reader (or a crash) never sees a
    /// half-written notebook.
    /// </summary>
    public void SaveAtomically(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var json = Root.ToJsonString(new JsonSerializerOptions
            {
                WriteIndented = true,
                IndentSize = 1,
                // The file is data, not HTML embedded in a page: keep <, > and & readable in diffs.
                Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            });
            File.WriteAllText(temp, json + "\n", new UTF8Encoding(false));
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
}
