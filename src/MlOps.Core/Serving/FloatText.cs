using System.Numerics;
using System.Runtime.CompilerServices;

namespace MlOps.Serving;

/// <summary>
/// Writes a finite float as the shortest text that reads back as that float: byte for byte what
/// <c>float.TryFormat</c> writes in the invariant culture, in about a third of its time. A ten-row answer carries
/// twenty of them, and .NET's general formatter (digits into a buffer, then the "G" layout) spent more on them than
/// the forest spent computing them.
/// </summary>
/// <remarks>
/// The digits come from Giulietti's Schubfach algorithm ("The Schubfach way to render doubles", 2020), in its
/// binary32 form: one 64-bit multiply per bound, no loops over candidates. Its tables (decimal exponent, shift and
/// scaled power of ten for each binary exponent) are computed once from exact integers, not typed in. The tests
/// compare against <c>float.TryFormat</c> over every exponent and millions of patterns; bench/ can check all 2^32.
/// </remarks>
public static class FloatText
{
    /// <summary>Longest text written: "-1.17549435E-38" is 15 bytes.</summary>
    public const int MaxLength = 16;

    private const int MinK = -46, MaxK = 32; // decimal exponents reached by binary exponents -149..104

    // Per biased exponent field (0..254): Schubfach's k and h, for the regular spacing and for the irregular one
    // (the lower neighbour of a power of two is half as far).
    private static readonly sbyte[] s_k = new sbyte[255], s_kIrregular = new sbyte[255];
    private static readonly byte[] s_h = new byte[255], s_hIrregular = new byte[255];

    // g(k) = floor(10^-k * 2^(62 - r)) + 1 with r = floor(log2 10^-k): 10^-k scaled into [2^62, 2^63], from above.
    private static readonly ulong[] s_g = new ulong[MaxK - MinK + 1];

    static FloatText()
    {
        for (var k = MinK; k <= MaxK; k++)
        {
            var r = FloorLog2PowerOf10(-k);
            s_g[k - MinK] = (ulong)(-k >= 0
                ? Shift(BigInteger.Pow(10, -k), 62 - r)
                : (BigInteger.One << (62 - r)) / BigInteger.Pow(10, k)) + 1;
        }
        for (var field = 0; field < 255; field++)
        {
            var q = Math.Max(field, 1) - 150;
            s_k[field] = (sbyte)FloorLog10(1, 1, q); // 2^q
            s_h[field] = (byte)(q + FloorLog2PowerOf10(-s_k[field]) + 33);
            s_kIrregular[field] = (sbyte)FloorLog10(3, 4, q); // 3/4 * 2^q
            s_hIrregular[field] = (byte)(q + FloorLog2PowerOf10(-s_kIrregular[field]) + 33);
        }
    }

    /// <summary>
    /// Writes <paramref name="value"/> into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes)
    /// and returns the length. NaN and infinities are the caller's to refuse or spell: JSON has no words for them.
    /// </summary>
    public static int Write(float value, Span<byte> destination)
    {
        if (!float.IsFinite(value))
            throw new ArgumentOutOfRangeException(nameof(value), value, "Only finite numbers have a shortest decimal text.");
        var bits = BitConverter.SingleToUInt32Bits(value);
        var at = 0;
        if ((int)bits < 0)
            destination[at++] = (byte)'-';
        var field = (int)(bits >> 23) & 0xFF;
        var fraction = bits & 0x7FFFFF;
        if (field == 0 && fraction == 0)
        {
            destination[at] = (byte)'0';
            return at + 1;
        }
        var (digits, exponent) = ShortestDecimal(field, fraction);
        return at + Layout(digits, exponent, destination[at..]);
    }

    /// <summary>Schubfach: the shortest decimal digits × 10^exponent inside the float's rounding interval, nearest on ties.</summary>
    private static (uint Digits, int Exponent) ShortestDecimal(int field, uint fraction)
    {
        var c = field == 0 ? fraction : fraction | 0x800000;
        var irregular = fraction == 0 && field > 1;
        int k = irregular ? s_kIrregular[field] : s_k[field];
        int h = irregular ? s_hIrregular[field] : s_h[field];
        var g = s_g[k - MinK];
        var open = c & 1; // an odd significand's bounds round to its neighbours, so they are outside
        var cb = (ulong)c << 2;
        var vb = RoundToOdd(g, cb << h);
        var vbl = RoundToOdd(g, (irregular ? cb - 1 : cb - 2) << h);
        var vbr = RoundToOdd(g, (cb + 2) << h);
        var s = vb >> 2;
        if (s >= 10)
        {
            // One digit fewer, if exactly one of the two neighbouring multiples of ten is inside. (Java's version
            // starts at s >= 100 because its spec keeps two digits; .NET's shortest text may have one: 1E-43.)
            var sp10 = s / 10 * 10;
            var tp10 = sp10 + 10;
            var upin = vbl + open <= sp10 << 2;
            var wpin = (tp10 << 2) + open <= vbr;
            if (upin != wpin)
                return ((uint)(upin ? sp10 : tp10), k);
        }
        var t = s + 1;
        var uin = vbl + open <= s << 2;
        var win = (t << 2) + open <= vbr;
        if (uin != win)
            return ((uint)(uin ? s : t), k);
        var cmp = (long)vb - (long)((s + t) << 1); // both inside: the nearer, the even one on a tie
        return ((uint)(cmp < 0 || cmp == 0 && (s & 1) == 0 ? s : t), k);
    }

    /// <summary>The product's integer part with its 31 fraction bits folded into the last bit ("round to odd").</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong RoundToOdd(ulong g, ulong shifted)
    {
        var high = Math.BigMul(g, shifted, out _);
        return (high >> 31) | ((high & 0x7FFFFFFF) == 0 ? 0UL : 1UL);
    }

    /// <summary>.NET's "G" layout for a float: positional while the point falls within nine digits, else d.dddE±xx.</summary>
    private static int Layout(uint digits, int exponent, Span<byte> destination)
    {
        while (digits % 10 == 0)
        {
            digits /= 10;
            exponent++;
        }
        var count = DigitCount(digits);
        var point = count + exponent; // digits before the decimal point
        if (point > 9 || point < -3)
        {
            // d.ddd: the digits one place right, then the first moved before the point.
            WriteDigits(digits, destination.Slice(1, count));
            destination[0] = destination[1];
            var at = 1;
            if (count > 1)
            {
                destination[1] = (byte)'.';
                at = count + 1;
            }
            var e = point - 1;
            destination[at] = (byte)'E';
            destination[at + 1] = e < 0 ? (byte)'-' : (byte)'+';
            e = Math.Abs(e);
            destination[at + 2] = (byte)('0' + e / 10);
            destination[at + 3] = (byte)('0' + e % 10);
            return at + 4;
        }
        if (point <= 0)
        {
            var start = 2 - point; // "0." and -point zeros
            destination[..start].Fill((byte)'0');
            destination[1] = (byte)'.';
            WriteDigits(digits, destination.Slice(start, count));
            return start + count;
        }
        if (point >= count)
        {
            WriteDigits(digits, destination[..count]);
            destination[count..point].Fill((byte)'0');
            return point;
        }
        // The digits one place right, then those before the point moved back over the gap.
        WriteDigits(digits, destination.Slice(1, count));
        destination.Slice(1, point).CopyTo(destination);
        destination[point] = (byte)'.';
        return count + 1;
    }

    private static ReadOnlySpan<byte> Pairs => "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    /// <summary>The decimal digits of <paramref name="value"/>, exactly filling <paramref name="into"/>, two at a time.</summary>
    private static void WriteDigits(uint value, Span<byte> into)
    {
        var at = into.Length;
        while (value >= 100)
        {
            var pair = (int)(value % 100) * 2;
            value /= 100;
            into[--at] = Pairs[pair + 1];
            into[--at] = Pairs[pair];
        }
        if (value >= 10)
        {
            into[--at] = Pairs[(int)value * 2 + 1];
            into[--at] = Pairs[(int)value * 2];
        }
        else
            into[--at] = (byte)('0' + value);
    }

    private static ReadOnlySpan<uint> PowersOf10 => [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

    /// <summary>Digits in a positive value: log10 estimated from its bit length (1233/4096 ≈ log10 2), then corrected.</summary>
    private static int DigitCount(uint value)
    {
        var estimate = (BitOperations.Log2(value) + 1) * 1233 >> 12;
        return estimate + (value >= PowersOf10[estimate] ? 1 : 0);
    }

    /// <summary>floor(log10(numerator/denominator * 2^q)), exactly.</summary>
    private static int FloorLog10(int numerator, int denominator, int q)
    {
        var top = new BigInteger(numerator) << Math.Max(q, 0);
        var bottom = new BigInteger(denominator) << Math.Max(-q, 0);
        var k = (int)Math.Floor(q * Math.Log10(2)) - 2; // an estimate from below, then walked up
        while (Compare(top, bottom, k + 1) >= 0)
            k++;
        return k;
    }

    /// <summary>Sign of top/bottom - 10^k.</summary>
    private static int Compare(BigInteger top, BigInteger bottom, int k) =>
        k >= 0 ? top.CompareTo(bottom * BigInteger.Pow(10, k)) : (top * BigInteger.Pow(10, -k)).CompareTo(bottom);

    /// <summary>floor(log2 10^m), exactly: for m &lt; 0, 10^-m is no power of two, so its log rounds up.</summary>
    private static int FloorLog2PowerOf10(int m) =>
        m >= 0 ? (int)BigInteger.Pow(10, m).GetBitLength() - 1 : -(int)BigInteger.Pow(10, -m).GetBitLength();

    private static BigInteger Shift(BigInteger value, int left) => left >= 0 ? value << left : value >> -left;
}
