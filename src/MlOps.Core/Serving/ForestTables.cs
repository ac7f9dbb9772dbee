using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MlOps.Serving;

/// <summary>
/// A tree ensemble evaluated without walking the trees: each tree becomes a lookup table of its leaves, indexed by
/// which interval between the tree's own thresholds each feature's value falls in. A row first finds, per feature,
/// its interval among all trees' thresholds on that feature (one binary search); that interval adds a fixed offset
/// to every tree's table index (one vector add per feature over all trees); then each tree's leaf is one load.
/// Walking costs a chain of dependent loads per level of every tree; this costs a few independent loads per tree,
/// about 3.5x less for a hundred trees of twenty leaves over six features.
/// <para>
/// A node's test "value &gt; threshold" is the same as "the value's interval is past the threshold's" because the
/// interval of x is the number of thresholds below x, so every row reaches exactly the leaf a walk would. Tables
/// grow with the product of each tree's distinct thresholds per feature: <see cref="TryBuild"/> returns null (the
/// caller walks) when a tree or the whole ensemble would be too large.
/// </para>
/// </summary>
internal sealed class ForestTables
{
    private const int MaxTreeEntries = 4096; // one tree's table; its indexes fit a ushort
    private const int MaxEntries = 1 << 20; // all tables: 4 MB of leaf numbers
    private const int MaxOffsets = 1 << 21; // all features' per-interval offsets: 4 MB

    private readonly int _trees;
    private readonly int _stride; // _trees rounded up to whole vectors: per-tree rows of offsets and indexes are added with no scalar tail
    private readonly int[] _features; // the features some tree splits on
    private readonly float[][] _thresholds; // per entry of _features: every tree's thresholds on it, ascending, distinct
    private readonly ushort[][] _offsets; // per entry of _features: for interval i, tree t's index offset at [i * _stride + t]
    private readonly int[] _tableAt; // per tree: where its table starts in _leaves
    private readonly double[] _leaves; // per table entry: the leaf's value (not its node: one load less per tree)

    private ForestTables(int trees, int[] features, float[][] thresholds, ushort[][] offsets, int[] tableAt, double[] leaves)
    {
        (_trees, _features, _thresholds, _offsets, _tableAt, _leaves) = (trees, features, thresholds, offsets, tableAt, leaves);
        _stride = Stride(trees);
    }

    /// <summary>
    /// Tables for the trees at <paramref name="roots"/> of a node array where a split goes to <paramref name="right"/>
    /// when its feature's value is greater than its threshold, else to <paramref name="left"/>, a leaf's children
    /// are itself and its output is <paramref name="value"/>. Null when they would be too large.
    /// </summary>
    public static ForestTables? TryBuild(int width, int[] roots, int[] feature, float[] threshold, int[] left, int[] right, double[] value)
    {
        var trees = roots.Length;
        // Per tree, the distinct thresholds of each feature it splits on.
        var own = new SortedDictionary<int, float[]>[trees];
        for (var t = 0; t < trees; t++)
        {
            var byFeature = new SortedDictionary<int, SortedSet<float>>();
            var pending = new Stack<int>([roots[t]]);
            while (pending.TryPop(out var n))
            {
                if (left[n] == n)
                    continue;
                if (!byFeature.TryGetValue(feature[n], out var set))
                    byFeature[feature[n]] = set = [];
                set.Add(threshold[n]);
                pending.Push(left[n]);
                pending.Push(right[n]);
            }
            own[t] = new SortedDictionary<int, float[]>(byFeature.ToDictionary(p => p.Key, p => p.Value.ToArray()));
        }
        var features = Enumerable.Range(0, width).Where(f => own.Any(o => o.ContainsKey(f))).ToArray();
        var thresholds = features.Select(f => own.SelectMany(o => o.TryGetValue(f, out var mine) ? mine : []).Distinct().Order().ToArray()).ToArray();
        var stride = Stride(trees);
        if (thresholds.Sum(all => (long)(all.Length + 1) * stride) > MaxOffsets)
            return null;
        long entries = 0;
        foreach (var o in own)
        {
            var size = o.Values.Aggregate(1L, (product, mine) => product * (mine.Length + 1));
            if (size > MaxTreeEntries || (entries += size) > MaxEntries)
                return null;
        }

        var offsets = thresholds.Select(all => new ushort[(all.Length + 1) * stride]).ToArray();
        var tableAt = new int[trees];
        var leaves = new double[entries];
        var at = 0;
        for (var t = 0; t < trees; t++)
        {
            // A tree's index counts its own intervals per feature, the first feature fastest.
            var strides = new Dictionary<int, int>();
            var step = 1;
            foreach (var (f, mine) in own[t])
            {
                var k = Array.IndexOf(features, f);
                var all = thresholds[k];
                // A value in interval i of all thresholds (above all[i - 1], up to all[i]) is above those of mine up to all[i - 1].
                for (var i = 0; i <= all.Length; i++)
                    offsets[k][i * stride + t] = (ushort)(step * (i == 0 ? 0 : mine.Count(m => m <= all[i - 1])));
                strides[f] = step;
                step *= mine.Length + 1;
            }
            tableAt[t] = at;
            for (var index = 0; index < step; index++)
            {
                var n = roots[t];
                while (left[n] != n)
                {
                    var mine = own[t][feature[n]];
                    var interval = index / strides[feature[n]] % (mine.Length + 1);
                    n = interval > Array.BinarySearch(mine, threshold[n]) ? right[n] : left[n];
                }
                leaves[at++] = value[n];
            }
        }
        return new ForestTables(trees, features, thresholds, offsets, tableAt, leaves);
    }

    // Rows scored side by side: each row's sum is a chain of dependent adds (tree order is kept, so one row's adds
    // cannot be split), and four independent chains keep the adder busy (measured: the adds' latency bounds one row).
    private const int Lanes = 4;

    /// <summary>Each row's <paramref name="bias"/> plus its leaves' values, added in tree order as a walk would.</summary>
    public void Sums(float[] features, int width, int first, int rows, double bias, Span<double> sums)
    {
        var (trees, stride) = (_trees, _stride);
        Span<ushort> index = stride <= 4096 / Lanes ? stackalloc ushort[stride * Lanes] : new ushort[stride * Lanes];
        ref var leaves = ref MemoryMarshal.GetArrayDataReference(_leaves);
        ref var tableAt = ref MemoryMarshal.GetArrayDataReference(_tableAt);
        ref var i0 = ref MemoryMarshal.GetReference(index);
        ref var i1 = ref Unsafe.Add(ref i0, stride);
        ref var i2 = ref Unsafe.Add(ref i1, stride);
        ref var i3 = ref Unsafe.Add(ref i2, stride);
        var r = 0;
        // Two or three rows left over still go side by side (a lane's chain of adds is as slow as four): a lane without
        // a row adds up entry 0 of every table and its sum is dropped. One row alone takes the plain loop below.
        for (; rows - r >= 2; r += Lanes)
        {
            var lanes = Math.Min(Lanes, rows - r);
            for (var lane = 0; lane < lanes; lane++)
                Index(features.AsSpan((first + r + lane) * width, width), index.Slice(lane * stride, stride));
            index[(lanes * stride)..].Clear();
            double s0 = bias, s1 = bias, s2 = bias, s3 = bias;
            for (var t = 0; t < trees; t++)
            {
                ref var table = ref Unsafe.Add(ref leaves, Unsafe.Add(ref tableAt, t));
                s0 += Unsafe.Add(ref table, Unsafe.Add(ref i0, t));
                s1 += Unsafe.Add(ref table, Unsafe.Add(ref i1, t));
                s2 += Unsafe.Add(ref table, Unsafe.Add(ref i2, t));
                s3 += Unsafe.Add(ref table, Unsafe.Add(ref i3, t));
            }
            sums[r] = s0;
            sums[r + 1] = s1;
            if (lanes > 2)
                sums[r + 2] = s2;
            if (lanes > 3)
                sums[r + 3] = s3;
        }
        if (r < rows)
        {
            Index(features.AsSpan((first + r) * width, width), index[..stride]);
            var sum = bias;
            for (var t = 0; t < trees; t++)
                sum += Unsafe.Add(ref leaves, Unsafe.Add(ref tableAt, t) + Unsafe.Add(ref i0, t));
            sums[r] = sum;
        }
    }

    /// <summary>Each tree's table index for <paramref name="row"/>: per feature, its interval's offsets added over all trees.</summary>
    private void Index(ReadOnlySpan<float> row, Span<ushort> index)
    {
        index.Clear();
        for (var k = 0; k < _features.Length; k++)
            Add(index, _offsets[k].AsSpan(Interval(_thresholds[k], row[_features[k]]) * _stride, _stride));
    }

    /// <summary>How many of <paramref name="thresholds"/> (ascending) are below <paramref name="x"/>, without a branch per step. NaN: 0, as it never goes right.</summary>
    private static int Interval(float[] thresholds, float x)
    {
        int low = 0, length = thresholds.Length;
        while (length > 0)
        {
            var half = length >> 1;
            var below = thresholds[low + half] < x;
            low = below ? low + half + 1 : low;
            length = below ? length - half - 1 : half;
        }
        return low;
    }

    private static int Stride(int trees) => (trees + Vector<ushort>.Count - 1) / Vector<ushort>.Count * Vector<ushort>.Count;

    /// <summary>Adds <paramref name="offsets"/> to <paramref name="into"/>, both a whole number of vectors long.</summary>
    private static void Add(Span<ushort> into, ReadOnlySpan<ushort> offsets)
    {
        ref var a = ref MemoryMarshal.GetReference(into);
        ref var b = ref MemoryMarshal.GetReference(offsets);
        for (var i = 0; i < into.Length; i += Vector<ushort>.Count)
            (Vector.LoadUnsafe(ref a, (nuint)i) + Vector.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref a, (nuint)i);
    }
}
