using MlOps.Registry;

namespace MlOps.Tests.Registry;

public sealed class GateFileTests
{
    [Fact]
    public void Declarations_parse_per_model()
    {
        var file = GateFile.Parse("""
            models:
              RFClass-cwurData:
                gates: ["auc >= 0.95", "log_loss <= 0.4"]
                no_regression: { metric: f1, tolerance: 0.01 }
                smoke: { rows: 50, max_latency_ms: 5 }
              other:
                no_regression: false
            """);

        var gates = file.For("RFClass-cwurData");
        Assert.Equal([new MetricThreshold("auc", ">=", 0.95), new MetricThreshold("log_loss", "<=", 0.4)], gates.Thresholds);
        Assert.Equal(("f1", 0.01, 50, 5.0), (gates.NoRegressionMetric, gates.Tolerance, gates.SmokeRows, gates.MaxLatencyMsPerRow));
        Assert.False(file.For("other").NoRegression);
        Assert.Same(ModelGates.Default, file.For("undeclared"));
    }

    [Theory]
    [InlineData("models: [unclosed", "not valid YAML")]
    [InlineData("model: {}", "unknown key 'model'")]
    [InlineData("models: { m: { gate: [\"auc >= 1\"] } }", "unknown model setting 'gate'")]
    [InlineData("models: { m: { gates: [\"auc about 1\"] } }", "not a metric threshold")]
    [InlineData("models: { m: { smoke: { rows: many } } }", "'many' is not a number")]
    [InlineData("models: { \"../x\": { gates: [] } }", "not allowed")]
    public void A_file_that_does_not_parse_is_a_clear_error(string yaml, string expected)
    {
        var e = Assert.Throws<MlOpsException>(() => GateFile.Parse(yaml, "/tmp/gates.yaml"));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("auc >= 0.95", "auc", ">=", 0.95)]
    [InlineData("rmse<=3.2", "rmse", "<=", 3.2)]
    [InlineData(" f1.macro > 1e-3 ", "f1.macro", ">", 0.001)]
    public void Thresholds_parse_from_text(string text, string metric, string op, double value) =>
        Assert.Equal(new MetricThreshold(metric, op, value), MetricThreshold.Parse(text));

    [Fact]
    public void Threshold_operators_hold_as_written()
    {
        Assert.True(MetricThreshold.Parse("auc >= 0.9").Holds(0.9));
        Assert.False(MetricThreshold.Parse("auc > 0.9").Holds(0.9));
        Assert.True(MetricThreshold.Parse("rmse <= 3").Holds(2));
    }
}
