using MlOps.Pipeline;

namespace MlOps.Core.Tests.Pipeline;

public sealed class RowExpressionTests
{
    private static bool? Kind(string name) => name switch
    {
        "world_rank" or "score" => true,
        "country" => false,
        _ => null,
    };

    [Fact]
    public void Compiles_conditions_over_numeric_and_text_columns()
    {
        var e = RowExpression.Compile("world_rank <= 100 && country == \"USA\"", Kind, "filter");

        Assert.Equal(typeof(bool), e.ResultType);
        Assert.Equal(["world_rank"], e.NumberColumns);
        Assert.Equal(["country"], e.TextColumns);
        Assert.Equal(true, e.Evaluate([50], ["USA"]));
        Assert.Equal(false, e.Evaluate([150], ["USA"]));
        Assert.Equal(false, e.Evaluate([50], ["France"]));
    }

    [Fact]
    public void Arithmetic_gives_numbers()
    {
        var e = RowExpression.Compile("1 - score / 2", Kind, "derive");
        Assert.Equal(0.5, Convert.ToDouble(e.Evaluate([1.0], [])));
    }

    [Fact]
    public void An_expression_that_does_not_parse_gives_its_position_and_an_example()
    {
        var error = Assert.Throws<MlOpsException>(() => RowExpression.Compile("world_rank <= ", Kind, "filter"));
        Assert.Contains("does not parse", error.Message);
        Assert.Contains("world_rank <= 100", error.Message);
        Assert.Contains("position 14 (after 'world_rank <=')", error.Message);
        Assert.DoesNotContain("(at index", error.Message); // the position is said once
        Assert.DoesNotContain("..", error.Message);
    }

    [Fact]
    public void An_unknown_column_is_named()
    {
        var error = Assert.Throws<MlOpsException>(() => RowExpression.Compile("wrold_rank < 5", Kind, "label"));
        Assert.Contains("'wrold_rank'", error.Message);
        Assert.Contains("label", error.Message);
    }
}
