using System.Globalization;

namespace MlOps.Pipeline;

/// <summary>
/// The split stage: by a column (its last value validates, as the published use case validates on the last
/// year) or at random (a fraction, with a seed).
/// </summary>
public sealed record SplitSpec
{
    public string? By { get; init; }

    public double TestFraction { get; init; } = 0.2;

    public int Seed { get; init; } = 42;

    public static SplitSpec From(ParamSet p)
    {
        var spec = new SplitSpec
        {
            By = p.GetString("split.by") is { Length: > 0 } by ? by : null,
            TestFraction = p.GetDouble("split.test_fraction", 0.2),
            Seed = p.GetInt("seed", 42),
        };
        if (spec.By is null && spec.TestFraction is <= 0 or >= 1)
            throw new MlOpsException($"--test-fraction is {spec.TestFraction}; it must be between 0 and 1 (e.g. 0.2).");
        return spec;
    }

    /// <summary>true = the row validates (test), false = it trains.</summary>
    internal bool[] Apply(FeatureSet set)
    {
        var isTest = new bool[set.Rows];
        if (By is not null)
        {
            var values = set.SplitValues ?? throw new InvalidOperationException("Feature set lacks split values.");
            var distinct = values.Where(v => v is not null).Distinct().ToList();
            var numeric = distinct.All(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
            var last = numeric
                ? distinct.MaxBy(v => double.Parse(v!, CultureInfo.InvariantCulture))
                : distinct.Max(StringComparer.Ordinal);
            if (distinct.Count < 2)
                throw new MlOpsException(
                    $"Splitting by '{By}' needs at least two values, but the kept rows all have '{last}'. Use --test-fraction instead, or loosen the filter.");
            for (var i = 0; i < isTest.Length; i++)
                isTest[i] = values[i] == last;
            return isTest;
        }
        var order = Enumerable.Range(0, set.Rows).ToArray();
        new Random(Seed).Shuffle(order);
        var testRows = (int)Math.Round(set.Rows * TestFraction);
        if (testRows == 0 || testRows == set.Rows)
            throw new MlOpsException(
                $"A test fraction of {TestFraction} of {set.Rows} rows leaves no {(testRows == 0 ? "test" : "training")} rows. Use more data or another fraction.");
        foreach (var row in order.Take(testRows))
            isTest[row] = true;
        return isTest;
    }

    /// <summary>The split stage's stored output: one byte per row, 1 = validates. Written and read only here.</summary>
    internal static void WriteMask(bool[] isTest, Stream stream) => stream.Write(isTest.Select(b => b ? (byte)1 : (byte)0).ToArray());

    internal static bool[] ReadMask(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray().Select(b => b == 1).ToArray();
    }

    public string Describe => By is not null ? $"by {By} (last value validates)" : $"random {TestFraction:0.##} test, seed {Seed}";
}
