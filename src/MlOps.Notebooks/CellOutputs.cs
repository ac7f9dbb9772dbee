using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Html;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace MlOps.Notebooks;

/// <summary>
/// Turns the kernel events of one cell into nbformat 4 outputs: display_data, execute_result, stream and
/// error. Every MIME type a value was formatted with is kept, since the reader (Jupyter, VS Code, a static
/// viewer) picks the richest one it can render.
/// </summary>
internal static class CellOutputs
{
    public static JsonArray From(IEnumerable<KernelEvent> events, int executionCount)
    {
        var outputs = new JsonArray();
        // A value displayed with an id can be updated in place later (live progress): replace it.
        var byValueId = new Dictionary<string, JsonObject>();

        foreach (var e in events)
        {
            switch (e)
            {
                case StandardOutputValueProduced stdout:
                    AppendStream(outputs, "stdout", PlainText(stdout.FormattedValues));
                    break;

                case StandardErrorValueProduced stderr:
                    AppendStream(outputs, "stderr", PlainText(stderr.FormattedValues));
                    break;

                case ReturnValueProduced ret:
                    if (Data(ret.FormattedValues, ret.Value) is { } returned)
                    {
                        outputs.Add(new JsonObject
                        {
                            ["output_type"] = "execute_result",
                            ["execution_count"] = executionCount,
                            ["data"] = returned,
                            ["metadata"] = new JsonObject(),
                        });
                    }

                    break;

                case DisplayedValueUpdated updated when updated.ValueId is { } id && byValueId.TryGetValue(id, out var shown):
                    if (Data(updated.FormattedValues, updated.Value) is { } newData)
                    {
                        shown["data"] = newData;
                    }

                    break;

                case DisplayedValueProduced or DisplayedValueUpdated:
                    var display = (DisplayEvent)e;
                    if (Data(display.FormattedValues, display.Value) is { } data)
                    {
                        var output = new JsonObject
                        {
                            ["output_type"] = "display_data",
                            ["data"] = data,
                            ["metadata"] = new JsonObject(),
                        };
                        outputs.Add(output);
                        if (display.ValueId is { } valueId)
                        {
                            byValueId[valueId] = output;
                        }
                    }

                    break;

                case ErrorProduced error:
                    AppendStream(outputs, "stderr", error.Message + "\n");
                    break;

                case CommandFailed failed:
                    outputs.Add(Error(failed));
                    break;
            }
        }

        return outputs;
    }

    public static JsonObject Error(CommandFailed failed) => new()
    {
        ["output_type"] = "error",
        ["ename"] = failed.Exception?.GetType().Name ?? "CommandFailed",
        ["evalue"] = failed.Message,
        ["traceback"] = new JsonArray(failed.Message.Split('\n').Select(l => (JsonNode)l.TrimEnd('\r')).ToArray()),
    };

    private static void AppendStream(JsonArray outputs, string name, string text)
    {
        // Consecutive writes to one stream are one output, as Jupyter shows them.
        if (outputs.Count > 0 && outputs[^1] is JsonObject last && (string?)last["output_type"] == "stream" && (string?)last["name"] == name)
        {
            last["text"] = (string?)last["text"] + text;
            return;
        }

        outputs.Add(new JsonObject { ["output_type"] = "stream", ["name"] = name, ["text"] = text });
    }

    private static string PlainText(IReadOnlyCollection<FormattedValue> values) =>
        values.FirstOrDefault(v => v.MimeType == "text/plain")?.Value ?? values.FirstOrDefault()?.Value ?? "";

    private static JsonObject? Data(IReadOnlyCollection<FormattedValue> values, object? value)
    {
        var data = new JsonObject();
        foreach (var formatted in values.Where(v => !v.SuppressDisplay))
        {
            data[formatted.MimeType] = IsJsonMime(formatted.MimeType) && TryParse(formatted.Value) is { } json
                ? json
                : JsonValue.Create(formatted.Value);
        }

        // The kernel formats most values as text/html only. A text/plain twin keeps the executed notebook
        // readable where HTML is stripped (terminals, nbconvert to text, sites without HTML). Not for
        // values that are HTML already: their plain text would be the markup itself.
        if (data.Count > 0 && !data.ContainsKey(PlainTextFormatter.MimeType) && value is not null and not IHtmlContent)
        {
            data[PlainTextFormatter.MimeType] = value.ToDisplayString(PlainTextFormatter.MimeType);
        }

        return data.Count == 0 ? null : data;
    }

    /// <summary>nbformat stores application/json and application/*+json data as JSON, not as a string.</summary>
    private static bool IsJsonMime(string mime) =>
        mime == "application/json" || (mime.StartsWith("application/", StringComparison.Ordinal) && mime.EndsWith("+json", StringComparison.Ordinal));

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
