using System.Globalization;
using System.Text.RegularExpressions;

namespace MlOps.Registry;

/// <summary>A metric threshold gate such as <c>auc &gt;= 0.95</c> or <c>rmse &lt;= 3.2</c>, parsed from text.</summary>
public sealed partial record MetricThreshold(string Metric, string Operator, double Value)
{
    [GeneratedRegex(@"^\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*(>=|<=|==|!=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")]
    private static partial Regex Pattern();

    public static MetricThreshold Parse(string text)
    {
        var match = Pattern().Match(text ?? "");
        if (!match.Success)
            throw new MlOpsException(
                $"The gate '{RegistryNames.Printable(text ?? "")}' is not a metric threshold. Write it as <metric> <op> <number> with op one of >=, <=, >, <, ==, != " +
                "(e.g. \"auc >= 0.95\" or \"rmse <= 3.2\").");
        return new MetricThreshold(match.Groups[1].Value, match.Groups[2].Value,
            double.Parse(match.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    public bool Holds(double actual) => Operator switch
    {
        ">=" => actual >= Value,
        "<=" => actual <= Value,
        ">" => actual > Value,
        "<" => actual < Value,
        "==" => actual == Value,
        _ => actual != Value,
    };

    public override string ToString() => $"{Metric} {Operator} {Value.ToString("R", CultureInfo.InvariantCulture)}";
}
