using System.Diagnostics;
using System.Globalization;
using System.Text;
using MlOps.Serving;

/// <summary>
/// FloatText, the server's float writer, against float.TryFormat (its baseline and its specification): time for the
/// twenty numbers of a ten-row answer, and with --all a byte-for-byte comparison over every finite float (~4 min on 2 cores).
/// </summary>
internal static class FloatTextBench
{
    public static int Run(string[] args)
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? (float)((random.NextDouble() - 0.3) * 100) : random.NextSingle()).ToArray();
        var bytes = new byte[32];
        // StoreBench.Median gives milliseconds per call; one call writes the twenty numbers.
        var b = 1e6 * StoreBench.Median(7, 1_000_000, () => { foreach (var v in values) v.TryFormat(bytes, out _, default, CultureInfo.InvariantCulture); });
        var o = 1e6 * StoreBench.Median(7, 1_000_000, () => { foreach (var v in values) FloatText.Write(v, bytes); });
        Console.WriteLine($"20 floats (a ten-row answer's scores and probabilities), median of 7 x 10^6: float.TryFormat {b:0} ns, FloatText {o:0} ns ({b / o:0.0}x faster)");
        if (!args.Contains("--all"))
            return 0;
        long compared = 0, different = 0;
        var watch = Stopwatch.StartNew();
        Parallel.For(0, 256, high =>
        {
            Span<byte> expected = stackalloc byte[32], actual = stackalloc byte[FloatText.MaxLength];
            long count = 0;
            for (uint low = 0; low < 1u << 24; low++)
            {
                var value = BitConverter.UInt32BitsToSingle((uint)high << 24 | low);
                if (!float.IsFinite(value))
                    continue;
                value.TryFormat(expected, out var length, default, CultureInfo.InvariantCulture);
                var written = FloatText.Write(value, actual);
                count++;
                if (!actual[..written].SequenceEqual(expected[..length]) && Interlocked.Increment(ref different) <= 10)
                    Console.WriteLine($"  differs at 0x{(uint)high << 24 | low:X8}: {Encoding.ASCII.GetString(expected[..length])} vs {Encoding.ASCII.GetString(actual[..written])}");
            }
            Interlocked.Add(ref compared, count);
        });
        Console.WriteLine($"every finite float: {compared:N0} compared, {different} different, in {watch.Elapsed.TotalSeconds:0} s");
        return different == 0 ? 0 : 1;
    }
}
