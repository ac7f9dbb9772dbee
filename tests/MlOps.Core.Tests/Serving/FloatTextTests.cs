using System.Globalization;
using System.Text;
using MlOps.Serving;

namespace MlOps.Tests.Serving;

/// <summary>
/// FloatText must write exactly what float.TryFormat writes. All 2^32 patterns take minutes (bench: floattext --all);
/// here every exponent field meets its edge significands, and two million random patterns cover the rest.
/// </summary>
public sealed class FloatTextTests
{
    private static void AssertSame(uint bits)
    {
        var value = BitConverter.UInt32BitsToSingle(bits);
        Span<byte> expected = stackalloc byte[32], actual = stackalloc byte[FloatText.MaxLength];
        Assert.True(value.TryFormat(expected, out var length, default, CultureInfo.InvariantCulture));
        var written = FloatText.Write(value, actual);
        if (!actual[..written].SequenceEqual(expected[..length]))
            Assert.Fail($"0x{bits:X8}: float.TryFormat wrote {Encoding.ASCII.GetString(expected[..length])}, FloatText {Encoding.ASCII.GetString(actual[..written])}");
    }

    [Theory]
    [InlineData(0f, "0")]
    [InlineData(-0f, "-0")]
    [InlineData(1f, "1")]
    [InlineData(0.1f, "0.1")]
    [InlineData(0.9110073f, "0.9110073")]
    [InlineData(-25.642994f, "-25.642994")]
    [InlineData(123456789f, "123456790")]
    [InlineData(1e9f, "1E+09")]
    [InlineData(1e-4f, "0.0001")]
    [InlineData(1e-5f, "1E-05")]
    [InlineData(9.94e-44f, "1E-43")] // a subnormal whose shortest text has one digit
    [InlineData(float.Epsilon, "1E-45")]
    [InlineData(float.MaxValue, "3.4028235E+38")]
    [InlineData(float.MinValue, "-3.4028235E+38")]
    public void Writes_the_shortest_text_in_dotnets_layout(float value, string text)
    {
        Span<byte> bytes = stackalloc byte[FloatText.MaxLength];
        Assert.Equal(text, Encoding.ASCII.GetString(bytes[..FloatText.Write(value, bytes)]));
        Assert.Equal(value, float.Parse(text, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Matches_dotnet_at_every_exponents_edges()
    {
        for (uint field = 0; field < 255; field++)
            foreach (var fraction in new uint[] { 0, 1, 2, 3, 0x400000, 0x7FFFFE, 0x7FFFFF, 0x2AAAAA, 0x555555 })
            {
                AssertSame(field << 23 | fraction);
                AssertSame(0x80000000 | field << 23 | fraction);
            }
        for (uint fraction = 0; fraction < 100_000; fraction++) // every small subnormal, where the shortest text gets down to one digit
            AssertSame(fraction);
    }

    [Fact]
    public void Matches_dotnet_on_random_patterns_and_model_like_values()
    {
        var random = new Random(20261127);
        for (var i = 0; i < 2_000_000; i++)
        {
            var bits = (uint)random.NextInt64(0, 1L << 32);
            if ((bits >> 23 & 0xFF) != 0xFF)
                AssertSame(bits);
        }
        for (var i = 0; i < 200_000; i++) // probabilities and scores as forests give them
        {
            AssertSame(BitConverter.SingleToUInt32Bits((float)random.NextDouble()));
            AssertSame(BitConverter.SingleToUInt32Bits((float)((random.NextDouble() - 0.5) * 200)));
        }
    }

    [Fact]
    public void Refuses_numbers_without_a_decimal_text()
    {
        var bytes = new byte[FloatText.MaxLength];
        foreach (var value in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            Assert.Throws<ArgumentOutOfRangeException>(() => FloatText.Write(value, bytes));
    }
}
