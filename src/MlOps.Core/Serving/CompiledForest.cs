using System.Collections;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using MlOps.Training;

namespace MlOps.Serving;

/// <summary>
/// A tree-ensemble model (FastForest, FastTree, LightGbm; binary with an optional Platt calibrator, or regression)
/// flattened into one node array and evaluated directly over the feature matrix. A PredictionEngine costs a few
/// microseconds per row in plumbing (cursor, getters, copies) around well under a microsecond of tree walking; batch
/// files of millions of rows pay that plumbing millions of times.
/// <para>
/// Trust comes from checking, not from reading ML.NET's internals: <see cref="TryCompile"/> scores a set of probe
/// rows (every split threshold, and values just beside it) both ways and returns null — the caller keeps the
/// engines — unless scores, probabilities and labels agree. The score scale (sum or mean of the trees), the
/// calibrator's slope and offset, and the label threshold are read off the engine's answers the same way.
/// </para>
/// </summary>
internal sealed class CompiledForest
{
    private const int ProbeRows = 512;
    private const double Tolerance = 1e-5;

    // Nodes of all trees in one array. A leaf is a node whose two children are itself and whose threshold nothing
    // exceeds, so eight walks can run side by side for a fixed number of steps with no per-row "at a leaf?" branch.
    // Trees small enough are scored through lookup tables instead (ForestTables), several times faster.
    private readonly Node[] _nodes;
    private readonly double[] _value; // per node: the leaf's output times the tree's weight and the ensemble's scale; 0 for splits
    private readonly int[] _roots;
    private readonly int[] _depths; // levels to the deepest leaf: a leaf's self-loop makes extra steps harmless
    private readonly double _bias;
    private readonly int _width;
    private readonly MlTask _task;
    private (double Slope, double Offset)? _platt;
    private ForestTables? _tables; // null when the trees are too large for tables: they are walked

    /// <summary>
    /// Go to <see cref="Right"/> when the feature's value is greater than the threshold, else <see cref="Left"/> (ML.NET's
    /// rule). Offsets are in bytes (the feature's within a row, the children's within the node array), so a step is
    /// a few loads and no index arithmetic.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Node(int feature, float threshold, int left, int right)
    {
        public int Feature = feature * sizeof(float);
        public float Threshold = threshold;
        public int Left = left * Size;
        public int Right = right * Size; // right after Left: the child is Left or the next int, picked by the comparison's 0 or 1

        public const int Size = 16;
    }

    private CompiledForest(Node[] nodes, double[] value, int[] roots, int[] depths, double bias, int width, MlTask task)
    {
        (_nodes, _value, _roots, _depths, _bias, _width, _task) = (nodes, value, roots, depths, bias, width, task);
    }

    /// <summary>
    /// The compiled form of <paramref name="model"/>, or null when it is not a plain tree ensemble or disagrees with
    /// <paramref name="engine"/>. <paramref name="tables"/> false: always walk the trees (tests of the walk).
    /// </summary>
    public static CompiledForest? TryCompile(ITransformer model, MlTask task, int width, Func<float[], int, Prediction[]> engine, bool tables = true)
    {
        if (task is not (MlTask.Binary or MlTask.Regression) || width == 0)
            return null;
        var parts = Flatten(model).ToList();
        var predictor = parts.FirstOrDefault(p => p.GetType().GetProperty("Model")?.GetValue(p) is TreeEnsembleModelParametersBasedOnRegressionTree
            or TreeEnsembleModelParametersBasedOnQuantileRegressionTree);
        // Anything but the predictor and (binary) one calibrator could change the answer in ways the probe might miss.
        if (predictor is null || parts.Count > (task == MlTask.Binary ? 2 : 1) || parts[0] != predictor)
            return null;
        if (parts.Count == 2 && !parts[1].GetType().Name.StartsWith("PlattCalibrator", StringComparison.Ordinal))
            return null;
        var parameters = predictor.GetType().GetProperty("Model")!.GetValue(predictor)!;
        var ensemble = parameters.GetType().GetProperty("TrainedTreeEnsemble")!.GetValue(parameters)!;
        var trees = ((IEnumerable)ensemble.GetType().GetProperty("Trees")!.GetValue(ensemble)!).Cast<RegressionTreeBase>().ToList();
        var weights = (IReadOnlyList<double>)ensemble.GetType().GetProperty("TreeWeights")!.GetValue(ensemble)!;
        var bias = (double)ensemble.GetType().GetProperty("Bias")!.GetValue(ensemble)!;

        // Per node: feature, threshold, children (a leaf's are itself) and the leaf's value times the tree's weight.
        var (feature, threshold, left, right, value) = (new List<int>(), new List<float>(), new List<int>(), new List<int>(), new List<double>());
        var roots = new int[trees.Count];
        var depths = new int[trees.Count];
        for (var t = 0; t < trees.Count; t++)
        {
            var tree = trees[t];
            if (tree.CategoricalSplitFlags.Any(f => f) || tree.NumericalSplitFeatureIndexes.Any(f => f < 0 || f >= width))
                return null;
            int splits = tree.NumberOfNodes, nodeBase = feature.Count;
            // Splits first (as numbered by ML.NET), then the leaves (leaf k at splits + k); ML.NET writes leaf k as ~k.
            int Child(int c) => nodeBase + (c >= 0 ? c : splits + ~c);
            for (var n = 0; n < splits; n++)
                Add(tree.NumericalSplitFeatureIndexes[n], tree.NumericalSplitThresholds[n], Child(tree.LeftChild[n]), Child(tree.RightChild[n]), 0);
            for (var k = 0; k < tree.LeafValues.Count; k++)
            {
                var self = nodeBase + splits + k;
                Add(0, float.PositiveInfinity, self, self, tree.LeafValues[k] * weights[t]);
            }
            roots[t] = nodeBase;
            depths[t] = Depth(tree, 0);
        }
        void Add(int f, float at, int l, int r, double v)
        {
            feature.Add(f);
            threshold.Add(at);
            left.Add(l);
            right.Add(r);
            value.Add(v);
        }
        var nodes = Enumerable.Range(0, feature.Count).Select(n => new Node(feature[n], threshold[n], left[n], right[n])).ToArray();
        var compiled = new CompiledForest(nodes, [.. value], roots, depths, bias, width, task);
        var splitNodes = Enumerable.Range(0, feature.Count).Where(n => left[n] != n).Select(n => (feature[n], threshold[n]));
        var probes = Probes(splitNodes, width);
        if (!compiled.Calibrate(probes, engine, trees.Count))
            return null;
        // Tables hold the leaves' final (scaled) values, so they are built once calibration scaled them, and kept
        // only if they add up to exactly the walks' sums on the probes.
        if (tables && ForestTables.TryBuild(width, roots, [.. feature], [.. threshold], [.. left], [.. right], compiled._value) is { } built)
        {
            var (walked, looked) = (new double[ProbeRows], new double[ProbeRows]);
            compiled.Sums(probes, 0, ProbeRows, walked);
            built.Sums(probes, width, 0, ProbeRows, bias, looked);
            if (walked.AsSpan().SequenceEqual(looked))
                compiled._tables = built;
        }
        return compiled;
    }

    /// <summary>Levels from <paramref name="node"/> down to its deepest leaf (0 for a tree that is one leaf).</summary>
    private static int Depth(RegressionTreeBase tree, int node) =>
        tree.NumberOfNodes == 0 || node < 0 ? 0 : 1 + Math.Max(Depth(tree, tree.LeftChild[node]), Depth(tree, tree.RightChild[node]));

    /// <summary>Feature rows that walk every branch: each split's threshold itself, and values just below and above it.</summary>
    private static float[] Probes(IEnumerable<(int Feature, float Threshold)> splits, int width)
    {
        var random = new Random(17);
        var all = splits.ToList();
        var byFeature = Enumerable.Range(0, width).Select(f => all.Where(n => n.Feature == f)
            .SelectMany(n => new[] { n.Threshold, MathF.BitDecrement(n.Threshold), MathF.BitIncrement(n.Threshold) })
            .DefaultIfEmpty(0f).ToArray()).ToArray();
        var probes = new float[ProbeRows * width];
        for (var r = 0; r < ProbeRows; r++)
            for (var f = 0; f < width; f++)
                probes[r * width + f] = byFeature[f][random.Next(byFeature[f].Length)];
        return probes;
    }

    /// <summary>Learn the scale and calibration from the engine's answers on the probes, then require agreement on every probe.</summary>
    private bool Calibrate(float[] probes, Func<float[], int, Prediction[]> engine, int trees)
    {
        var expected = engine(probes, ProbeRows);
        var raw = new double[ProbeRows];
        Sums(probes, 0, ProbeRows, raw);
        // FastTree and LightGbm add the trees' outputs; FastForest averages them.
        var scale = Agree(raw, expected, 1) ? 1.0 : Agree(raw, expected, 1.0 / trees) ? 1.0 / trees : double.NaN;
        if (double.IsNaN(scale))
            return false;
        for (var i = 0; i < _value.Length; i++)
            _value[i] *= scale;
        var scores = raw.Select(s => s * scale).ToArray();
        if (_task == MlTask.Regression)
            return true;
        for (var r = 0; r < ProbeRows; r++)
            if (expected[r].Label is not bool label || label != scores[r] > 0)
                return false;
        if (expected.All(p => p.Probability is null || double.IsNaN(p.Probability.Value)))
            return false;
        // Platt: p = 1 / (1 + exp(slope * score + offset)); two well-separated probes give the line, all must fit it.
        var points = scores.Select((s, i) => (Score: s, P: expected[i].Probability!.Value)).Where(x => x.P is > 1e-6 and < 1 - 1e-6).ToList();
        if (points.Count < 2)
            return false;
        var (lo, hi) = (points.MinBy(x => x.Score), points.MaxBy(x => x.Score));
        if (hi.Score - lo.Score < 1e-6)
            return false;
        double Logit(double p) => Math.Log(1 / p - 1);
        var slope = (Logit(hi.P) - Logit(lo.P)) / (hi.Score - lo.Score);
        _platt = (slope, Logit(lo.P) - slope * lo.Score);
        for (var r = 0; r < ProbeRows; r++)
            if (Math.Abs(Probability(scores[r]) - expected[r].Probability!.Value) > Tolerance)
                return false;
        return true;
    }

    private static bool Agree(double[] raw, Prediction[] expected, double scale)
    {
        for (var r = 0; r < raw.Length; r++)
        {
            var score = expected[r].Score ?? double.NaN;
            if (!(Math.Abs(raw[r] * scale - score) <= Tolerance * Math.Max(1, Math.Abs(score))))
                return false;
        }
        return true;
    }

    private double Probability(double score) => 1 / (1 + Math.Exp(_platt!.Value.Slope * score + _platt.Value.Offset));

    // Rows go through the trees a block at a time: one tree's nodes and the block's features stay in L1.
    private const int Block = 128;

    /// <summary>The ensemble's raw output (bias included) for <paramref name="rows"/> rows from <paramref name="first"/>, into <paramref name="sums"/>.</summary>
    private void Sums(float[] features, int first, int rows, double[] sums)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((first + rows) * _width, features.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(sums.Length, rows);
        if (_tables is { } tables)
        {
            tables.Sums(features, _width, first, rows, _bias, sums);
            return;
        }
        sums.AsSpan(0, rows).Fill(_bias);
        for (var start = 0; start < rows; start += Block)
            SumBlock(features, first + start, Math.Min(Block, rows - start), sums.AsSpan(start));
    }

    /// <summary>
    /// Adds every tree's output to each of <paramref name="count"/> rows. The walks are (tree, row) pairs taken
    /// eight at a time, tree by tree and row by row within a tree: eight independent chains of loads that the CPU
    /// overlaps whatever the number of rows (one row walks eight trees at once), and each row still adds its trees'
    /// outputs in tree order, so its sum is the same to the last bit.
    /// </summary>
    private void SumBlock(float[] features, int first, int count, Span<double> sums)
    {
        // Bounds were checked by the caller and every node's feature is below the width (checked when compiling).
        ref var f = ref Unsafe.As<float, byte>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(features), first * _width));
        ref var nodes = ref Unsafe.As<Node, byte>(ref MemoryMarshal.GetArrayDataReference(_nodes));
        ref var value = ref MemoryMarshal.GetArrayDataReference(_value);
        ref var sum = ref MemoryMarshal.GetReference(sums);
        var rowBytes = (nint)_width * sizeof(float);
        var pairs = _roots.Length * count;
        Span<int> tree = stackalloc int[8];
        Span<int> row = stackalloc int[8];
        int t = 0, r = 0, k = 0;
        for (; k + 8 <= pairs; k += 8)
        {
            var depth = 0;
            for (var j = 0; j < 8; j++)
            {
                (tree[j], row[j]) = (t, r);
                depth = Math.Max(depth, _depths[t]);
                if (++r == count)
                    (t, r) = (t + 1, 0);
            }
            ref var f0 = ref Unsafe.AddByteOffset(ref f, row[0] * rowBytes);
            ref var f1 = ref Unsafe.AddByteOffset(ref f, row[1] * rowBytes);
            ref var f2 = ref Unsafe.AddByteOffset(ref f, row[2] * rowBytes);
            ref var f3 = ref Unsafe.AddByteOffset(ref f, row[3] * rowBytes);
            ref var f4 = ref Unsafe.AddByteOffset(ref f, row[4] * rowBytes);
            ref var f5 = ref Unsafe.AddByteOffset(ref f, row[5] * rowBytes);
            ref var f6 = ref Unsafe.AddByteOffset(ref f, row[6] * rowBytes);
            ref var f7 = ref Unsafe.AddByteOffset(ref f, row[7] * rowBytes);
            nint n0 = Root(tree[0]), n1 = Root(tree[1]), n2 = Root(tree[2]), n3 = Root(tree[3]),
                n4 = Root(tree[4]), n5 = Root(tree[5]), n6 = Root(tree[6]), n7 = Root(tree[7]);
            for (; depth > 0; depth--)
            {
                n0 = Step(ref nodes, ref f0, n0);
                n1 = Step(ref nodes, ref f1, n1);
                n2 = Step(ref nodes, ref f2, n2);
                n3 = Step(ref nodes, ref f3, n3);
                n4 = Step(ref nodes, ref f4, n4);
                n5 = Step(ref nodes, ref f5, n5);
                n6 = Step(ref nodes, ref f6, n6);
                n7 = Step(ref nodes, ref f7, n7);
            }
            Unsafe.Add(ref sum, row[0]) += Leaf(ref value, n0);
            Unsafe.Add(ref sum, row[1]) += Leaf(ref value, n1);
            Unsafe.Add(ref sum, row[2]) += Leaf(ref value, n2);
            Unsafe.Add(ref sum, row[3]) += Leaf(ref value, n3);
            Unsafe.Add(ref sum, row[4]) += Leaf(ref value, n4);
            Unsafe.Add(ref sum, row[5]) += Leaf(ref value, n5);
            Unsafe.Add(ref sum, row[6]) += Leaf(ref value, n6);
            Unsafe.Add(ref sum, row[7]) += Leaf(ref value, n7);
        }
        for (; k < pairs; k++)
        {
            ref var fr = ref Unsafe.AddByteOffset(ref f, r * rowBytes);
            var n = Root(t);
            for (var depth = _depths[t]; depth > 0; depth--)
                n = Step(ref nodes, ref fr, n);
            Unsafe.Add(ref sum, r) += Leaf(ref value, n);
            if (++r == count)
                (t, r) = (t + 1, 0);
        }
    }

    private nint Root(int tree) => (nint)_roots[tree] * Node.Size;

    private static double Leaf(ref double value, nint node) => Unsafe.Add(ref value, node / Node.Size);

    /// <summary>One level down for the row at <paramref name="row"/>, without a branch (a mispredicted one costs more than the step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Step(ref byte nodes, ref byte row, nint node)
    {
        ref var n = ref Unsafe.As<byte, Node>(ref Unsafe.AddByteOffset(ref nodes, node));
        var greater = Unsafe.As<byte, float>(ref Unsafe.AddByteOffset(ref row, (nint)(uint)n.Feature)) > n.Threshold;
        return (nint)(uint)Unsafe.Add(ref n.Left, Unsafe.As<bool, byte>(ref greater));
    }

    private static readonly object True = true, False = false;

    /// <summary>Predictions for <paramref name="rows"/> rows starting at <paramref name="first"/>, as the engine would give them.</summary>
    public Prediction[] Predict(float[] features, int first, int rows)
    {
        var result = new Prediction[rows];
        var sums = new double[rows];
        Sums(features, first, rows, sums);
        for (var r = 0; r < rows; r++)
        {
            // Scores are floats in ML.NET's output; rounding the same way keeps both paths' answers identical.
            var score = (double)(float)sums[r];
            result[r] = _task == MlTask.Regression
                ? new Prediction(score, score)
                : new Prediction(score > 0 ? True : False, score, (float)Probability(score));
        }
        return result;
    }

    /// <summary>Missing values (NaN) may take per-node defaults inside ML.NET that are not compiled here: such rows go to the engine.</summary>
    public static bool HasMissing(float[] features, int first, int rows, int width)
    {
        foreach (var v in features.AsSpan(first * width, rows * width))
            if (float.IsNaN(v))
                return true;
        return false;
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [model];
}
