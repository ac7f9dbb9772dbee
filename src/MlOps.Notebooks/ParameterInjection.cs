using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MlOps.Notebooks;

/// <summary>
/// Papermill-style parameters: the overrides go into a new code cell right after the cell tagged
/// `parameters`, as C# assignments. Assignments (not `var` redeclarations) make a misspelt or
/// undeclared name, or a value of the wrong type, fail that cell with the compiler's message instead of
/// silently creating a new variable.
/// </summary>
internal static partial class ParameterInjection
{
    public const string ParametersTag = "parameters";
    public const string InjectedTag = "injected-parameters";

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^-?[0-9]+$")]
    private static partial Regex Integer();

    // Only forms that are C# double literals as written ("1." and "1e" are not).
    [GeneratedRegex(@"^-?([0-9]+\.[0-9]+|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?$")]
    private static partial Regex Real();

    /// <summary>Inserts the parameters cell; returns its index, or null when there is nothing to inject.</summary>
    public static int? Inject(NotebookDocument notebook, IReadOnlyDictionary<string, string> parameters)
    {
        if (parameters.Count == 0)
        {
            return null;
        }

        var cells = notebook.Cells;
        var tagged = -1;
        for (var i = 0; i < cells.Count; i++)
        {
            if (cells[i] is JsonObject candidate && NotebookDocument.IsCode(candidate) && NotebookDocument.GetTags(candidate).Contains(ParametersTag))
            {
                tagged = i;
                break;
            }
        }

        if (tagged < 0)
        {
            throw new NotebookFormatException(
                $"Parameters were given ({string.Join(", ", parameters.Keys)}) but the notebook has no code cell tagged '{ParametersTag}'. " +
                "Add the tag to the cell that declares the defaults (in Jupyter: View > Cell Toolbar > Tags; in an .ipynb: \"metadata\": {\"tags\": [\"parameters\"]}), or run without parameters.");
        }

        var cell = new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["metadata"] = new JsonObject { ["tags"] = new JsonArray(InjectedTag) },
            ["outputs"] = new JsonArray(),
            ["source"] = ToSource(parameters),
        };
        if (cells[tagged]!["id"] is not null)
        {
            // nbformat 4.5 requires unique cell ids once any cell has one.
            cell["id"] = Guid.NewGuid().ToString("N")[..12];
        }

        cells.Insert(tagged + 1, cell);
        return tagged + 1;
    }

    public static string ToSource(IReadOnlyDictionary<string, string> parameters)
    {
        var source = new StringBuilder("// Parameters injected by mlops run\n");
        foreach (var (name, value) in parameters)
        {
            if (!Identifier().IsMatch(name))
            {
                throw new NotebookFormatException(
                    $"Parameter name '{name}' is not a C# identifier. Use letters, digits and '_' only, starting with a letter or '_', as the variable is named in the parameters cell.");
            }

            source.Append(name).Append(" = ").Append(ToLiteral(value)).Append(";\n");
        }

        return source.ToString().TrimEnd('\n');
    }

    /// <summary>Integers and decimals stay numbers, true/false stay bools, anything else becomes a string literal.</summary>
    public static string ToLiteral(string value)
    {
        if (Integer().IsMatch(value))
        {
            return value;
        }

        if (Real().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return value;
        }

        if (value is "true" or "false")
        {
            return value;
        }

        var literal = new StringBuilder("\"");
        foreach (var c in value)
        {
            literal.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return literal.Append('"').ToString();
    }
}
