using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace MlOps.Registry;

/// <summary>
/// Gate declarations per model from a small YAML file (by default <c>gates.yaml</c> next to the params file):
/// <code>
/// models:
///   RFClass-cwurData:
///     gates: ["auc >= 0.95", "log_loss &lt;= 0.4"]
///     no_regression: { metric: auc, tolerance: 0.01 }   # or: no_regression: false
///     smoke: { rows: 200, max_latency_ms: 50 }
///     slices:                                          # a metric on a filtered subset of the held-out rows
///       - { name: top-national, filter: "national_rank &lt;= 3", gate: "auc >= 0.9", min_rows: 10 }
/// </code>
/// A file that does not parse, or has an unknown key, is an error naming the file and line: a typo must never
/// silently drop a gate.
/// </summary>
public sealed class GateFile
{
    private readonly IReadOnlyDictionary<string, ModelGates> _models;

    private GateFile(string? path, IReadOnlyDictionary<string, ModelGates> models)
    {
        Path = path;
        _models = models;
    }

    public static GateFile Empty { get; } = new(null, new Dictionary<string, ModelGates>());

    public string? Path { get; }

    public IReadOnlyCollection<string> Models => _models.Keys.ToList();

    public ModelGates For(string model) => _models.TryGetValue(model, out var gates) ? gates : ModelGates.Default;

    public static GateFile Load(string path)
    {
        if (!File.Exists(path))
            throw new MlOpsException($"The gate file '{path}' does not exist. Check the path, or leave --gates out to use the default gates.");
        return Parse(File.ReadAllText(path), System.IO.Path.GetFullPath(path));
    }

    public static GateFile Parse(string yaml, string? path = null)
    {
        var where = path ?? "the gate declarations";
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new MlOpsException($"{where} is not valid YAML (line {e.Start.Line}, column {e.Start.Column}: {e.Message}). " + Example, e);
        }
        var models = new Dictionary<string, ModelGates>(StringComparer.Ordinal);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            return new GateFile(path, models);
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw Bad(where, stream.Documents[0].RootNode, "the top level must be a map with a 'models' key");
        foreach (var (key, value) in root.Children)
        {
            if (Text(key) != "models")
                throw Bad(where, key, $"unknown key '{Text(key)}' (only 'models' is allowed at the top level)");
            if (value is not YamlMappingNode modelMap)
                throw Bad(where, value, "'models' must map model names to their gates");
            foreach (var (nameNode, gatesNode) in modelMap.Children)
            {
                var name = RegistryNames.ValidateModel(Text(nameNode));
                models[name] = ParseModel(where, gatesNode);
            }
        }
        return new GateFile(path, models);
    }

    private const string Example = "Expected e.g.:\nmodels:\n  RFClass-cwurData:\n    gates: [\"auc >= 0.95\"]";

    private static ModelGates ParseModel(string where, YamlNode node)
    {
        if (node is not YamlMappingNode map)
            throw Bad(where, node, "each model must map to its settings (gates, no_regression, smoke)");
        var gates = new ModelGates();
        foreach (var (keyNode, value) in map.Children)
        {
            switch (Text(keyNode))
            {
                case "gates":
                    if (value is not YamlSequenceNode list)
                        throw Bad(where, value, "'gates' must be a list such as [\"auc >= 0.95\"]");
                    gates = gates with { Thresholds = list.Children.Select(g => Threshold(where, g)).ToList() };
                    break;
                case "no_regression":
                    if (value is YamlScalarNode flag)
                    {
                        gates = gates with { NoRegression = Bool(where, flag) };
                        break;
                    }
                    if (value is not YamlMappingNode settings)
                        throw Bad(where, value, "'no_regression' must be true, false or { metric: auc, tolerance: 0.01 }");
                    foreach (var (k, v) in settings.Children)
                        gates = Text(k) switch
                        {
                            "metric" => gates with { NoRegressionMetric = Text(v) },
                            "tolerance" => gates with { Tolerance = Number(where, v) },
                            "enabled" => gates with { NoRegression = Bool(where, v) },
                            var other => throw Bad(where, k, $"unknown no_regression setting '{other}' (use metric, tolerance, enabled)"),
                        };
                    break;
                case "smoke":
                    if (value is not YamlMappingNode smoke)
                        throw Bad(where, value, "'smoke' must be a map such as { rows: 200, max_latency_ms: 50 }");
                    foreach (var (k, v) in smoke.Children)
                        gates = Text(k) switch
                        {
                            "rows" => gates with { SmokeRows = Math.Max(1, (int)Number(where, v)) },
                            "max_latency_ms" => gates with { MaxLatencyMsPerRow = Number(where, v) },
                            var other => throw Bad(where, k, $"unknown smoke setting '{other}' (use rows, max_latency_ms)"),
                        };
                    break;
                case "slices":
                    if (value is not YamlSequenceNode slices)
                        throw Bad(where, value, "'slices' must be a list such as [{ name: top, filter: \"national_rank <= 3\", gate: \"auc >= 0.9\" }]");
                    gates = gates with { Slices = slices.Children.Select(n => Slice(where, n)).ToList() };
                    break;
                default:
                    throw Bad(where, keyNode, $"unknown model setting '{Text(keyNode)}' (use gates, no_regression, smoke, slices)");
            }
        }
        return gates;
    }

    private static SliceGate Slice(string where, YamlNode node)
    {
        if (node is not YamlMappingNode map)
            throw Bad(where, node, "each slice must be a map: { name: ..., filter: ..., gate: \"auc >= 0.9\" }");
        string? name = null, filter = null;
        MetricThreshold? threshold = null;
        var minRows = 10;
        foreach (var (k, v) in map.Children)
        {
            switch (Text(k))
            {
                case "name": name = Text(v); break;
                case "filter": filter = Text(v); break;
                case "gate": threshold = Threshold(where, v); break;
                case "min_rows": minRows = Math.Max(1, (int)Number(where, v)); break;
                default: throw Bad(where, k, $"unknown slice setting '{Text(k)}' (use name, filter, gate, min_rows)");
            }
        }
        if (string.IsNullOrWhiteSpace(filter) || threshold is null)
            throw Bad(where, node, "a slice needs a filter and a gate, e.g. { filter: \"national_rank <= 3\", gate: \"auc >= 0.9\" }");
        return new SliceGate(string.IsNullOrWhiteSpace(name) ? filter : name, filter, threshold) { MinRows = minRows };
    }

    private static MetricThreshold Threshold(string where, YamlNode node)
    {
        try
        {
            return MetricThreshold.Parse(Text(node));
        }
        catch (MlOpsException e)
        {
            throw Bad(where, node, e.Message);
        }
    }

    private static string Text(YamlNode node) => node is YamlScalarNode s ? s.Value ?? "" : "";

    private static double Number(string where, YamlNode node) =>
        double.TryParse(Text(node), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(where, node, $"'{Text(node)}' is not a number");

    private static bool Bool(string where, YamlNode node) =>
        bool.TryParse(Text(node), out var b) ? b : throw Bad(where, node, $"'{Text(node)}' is not true or false");

    private static MlOpsException Bad(string where, YamlNode node, string problem) =>
        new($"{where} line {node.Start.Line}: {problem}. Fix the gate file. " + Example);
}
