using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace MlOps.Pipeline;

/// <summary>
/// Flat parameters with dotted keys (featurize.max_rank = 100), as DVC's params.yaml reads once flattened.
/// Lists are stored comma-joined. Values may refer to other parameters as ${key}, like dvc.yaml templating.
/// </summary>
public sealed partial class ParamSet
{
    private readonly SortedDictionary<string, string> _values;

    public ParamSet() : this(new SortedDictionary<string, string>(StringComparer.Ordinal)) { }

    private ParamSet(SortedDictionary<string, string> values) => _values = values;

    public IReadOnlyDictionary<string, string> Values => _values;

    public string? this[string key] => _values.TryGetValue(key, out var value) ? value : null;

    public bool Contains(string key) => _values.ContainsKey(key);

    public IEnumerable<string> KeysUnder(string prefix) => _values.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal));

    public ParamSet With(string key, string value)
    {
        var copy = new SortedDictionary<string, string>(_values, StringComparer.Ordinal) { [key] = value };
        return new ParamSet(copy);
    }

    public ParamSet Without(string key)
    {
        var copy = new SortedDictionary<string, string>(_values, StringComparer.Ordinal);
        copy.Remove(key);
        return new ParamSet(copy);
    }

    public ParamSet WithAll(IEnumerable<KeyValuePair<string, string>> values)
    {
        var copy = new SortedDictionary<string, string>(_values, StringComparer.Ordinal);
        foreach (var (key, value) in values)
            copy[key] = value;
        return new ParamSet(copy);
    }

    /// <summary>A params file: YAML (.yaml/.yml) or JSON (.json); nested maps flatten to dotted keys.</summary>
    public static ParamSet Load(string path)
    {
        if (!File.Exists(path))
            throw new MlOpsException($"Params file '{path}' does not exist. Create it (YAML or JSON, like DVC's params.yaml) or fix the --params path.");
        var text = File.ReadAllText(path);
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        try
        {
            if (Path.GetExtension(path).Equals(".json", StringComparison.OrdinalIgnoreCase))
            {
                using var document = JsonDocument.Parse(text);
                FlattenJson(document.RootElement, "", values, path);
            }
            else
            {
                var yaml = new YamlStream();
                yaml.Load(new StringReader(text));
                if (yaml.Documents.Count > 0)
                    FlattenYaml(yaml.Documents[0].RootNode, "", values, path);
            }
        }
        catch (JsonException e)
        {
            throw new MlOpsException($"Params file '{path}' is not valid JSON: {e.Message} Fix the file (or use YAML with a .yaml extension).", e);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new MlOpsException(
                $"Params file '{path}' is not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message} Fix the file; nested maps and lists of scalars are supported.", e);
        }
        return new ParamSet(values);
    }

    private static void FlattenJson(JsonElement element, string prefix, SortedDictionary<string, string> values, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    FlattenJson(property.Value, Join(prefix, property.Name), values, path);
                break;
            case JsonValueKind.Array:
                values[prefix] = string.Join(",", element.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText()));
                break;
            case JsonValueKind.String:
                values[prefix] = element.GetString() ?? "";
                break;
            case JsonValueKind.Null:
                break;
            default:
                values[prefix] = element.GetRawText();
                break;
        }
        if (prefix.Length == 0 && element.ValueKind != JsonValueKind.Object)
            throw new MlOpsException($"Params file '{path}' must hold a map of parameters at the top level (e.g. featurize: {{max_rank: 100}}).");
    }

    private static void FlattenYaml(YamlNode node, string prefix, SortedDictionary<string, string> values, string path)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                    FlattenYaml(value, Join(prefix, ((YamlScalarNode)key).Value ?? ""), values, path);
                break;
            case YamlSequenceNode list:
                values[prefix] = string.Join(",", list.Children.Select(c => c is YamlScalarNode s ? s.Value : throw new MlOpsException(
                    $"Params file '{path}': '{prefix}' holds a list of maps; only lists of plain values are supported. Flatten it.")));
                break;
            case YamlScalarNode scalar:
                if (prefix.Length == 0)
                    throw new MlOpsException($"Params file '{path}' must hold a map of parameters at the top level (e.g. featurize: {{max_rank: 100}}).");
                if (scalar.Value is { } v && v != "~" && v != "null")
                    values[prefix] = v;
                break;
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>Replace ${key} references with the referenced values (recursively, cycle-safe).</summary>
    public string Interpolate(string text, string contextKey = "")
    {
        var depth = 0;
        while (text.Contains("${", StringComparison.Ordinal))
        {
            if (++depth > 10)
                throw new MlOpsException($"Parameter '{contextKey}' refers to itself through ${{...}} references. Break the cycle.");
            text = Reference().Replace(text, m =>
            {
                var key = m.Groups[1].Value.Trim();
                return _values.TryGetValue(key, out var value)
                    ? value
                    : throw new MlOpsException(
                        $"Parameter '{contextKey}' refers to ${{{key}}}, which is not set. Set it in the params file or with --set {key}=<value>.");
            });
        }
        return text;
    }

    public string GetString(string key, string fallback = "") => this[key] is { } v ? Interpolate(v, key) : fallback;

    public double GetDouble(string key, double fallback)
    {
        var text = this[key];
        if (text is null)
            return fallback;
        text = Interpolate(text, key);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new MlOpsException($"Parameter '{key}' must be a number but is '{text}'. Set it to a number, e.g. --set {key}=0.2.");
    }

    public int GetInt(string key, int fallback)
    {
        var text = this[key];
        if (text is null)
            return fallback;
        text = Interpolate(text, key);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new MlOpsException($"Parameter '{key}' must be a whole number but is '{text}'. Set it to a whole number, e.g. --set {key}=42.");
    }

    public bool GetBool(string key, bool fallback)
    {
        var text = this[key];
        if (text is null)
            return fallback;
        return Interpolate(text, key).Trim().ToLowerInvariant() switch
        {
            "true" or "yes" or "1" or "on" => true,
            "false" or "no" or "0" or "off" => false,
            var other => throw new MlOpsException($"Parameter '{key}' must be true or false but is '{other}'."),
        };
    }

    public IReadOnlyList<string> GetList(string key) =>
        this[key] is { } v
            ? Interpolate(v, key).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : [];

    /// <summary>Canonical text of the parameters under <paramref name="prefixes"/>: the part of a stage's cache key they make.</summary>
    public string Canonical(params string[] prefixes) =>
        string.Join("\n", _values
            .Where(kv => prefixes.Any(p => kv.Key == p || kv.Key.StartsWith(p + ".", StringComparison.Ordinal)))
            .Select(kv => kv.Key + "=" + Interpolate(kv.Value, kv.Key)));

    [GeneratedRegex(@"\$\{([^}]+)\}")]
    private static partial Regex Reference();
}
