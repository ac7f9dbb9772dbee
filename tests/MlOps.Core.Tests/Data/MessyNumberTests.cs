using MlOps.Data;

namespace MlOps.Core.Tests.Data;

public sealed class MessyNumberTests
{
    [Theory]
    [InlineData("20,152", 20152)]
    [InlineData("1,234,567.5", 1234567.5)]
    [InlineData("25%", 25)]
    [InlineData("33 : 67", 0.33)]
    [InlineData("=45", 45)]
    [InlineData("201-250", 225.5)]
    [InlineData("101-152", 126.5)]
    [InlineData("96.1", 96.1)]
    [InlineData(" 7 ", 7)]
    [InlineData("-3.5", -3.5)]
    public void Reads_numbers_as_they_appear_in_real_files(string text, double expected)
    {
        Assert.True(MessyNumber.TryParse(text, out var value), text);
        Assert.Equal(expected, value, 9);
    }

    [Theory]
    [InlineData("-")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("NA")]
    [InlineData("n/a")]
    [InlineData("NaN")]
    [InlineData("?")]
    public void Missing_markers_parse_as_NaN(string? text)
    {
        Assert.True(MessyNumber.IsMissing(text));
        Assert.True(MessyNumber.TryParse(text, out var value));
        Assert.True(double.IsNaN(value));
    }

    [Theory]
    [InlineData("Harvard University")]
    [InlineData("12abc")]
    [InlineData("1,2")]
    [InlineData("12,34")]
    [InlineData("250-201")]
    [InlineData("=")]
    [InlineData("abc%")]
    public void Rejects_text_that_is_not_a_number(string text)
    {
        Assert.False(MessyNumber.IsMissing(text));
        Assert.False(MessyNumber.TryParse(text, out _), text);
    }
}
