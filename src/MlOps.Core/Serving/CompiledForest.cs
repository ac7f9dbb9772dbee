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

    // Nodes of all trees in one array. A leaf is a node whose two children are itself, so eight rows can walk a tree
    // side by side for the tree's depth in steps (independent chains of loads the CPU overlaps; eight measured 1.4x
    // faster than four), with no per-row "at a leaf?" branch.
    private readonly Node[] _nodes;
    private readonly double[] _value; // per node: the leaf's output times the tree's weight and the ensemble's scale; 0 for splits
    private readonly int[] _roots;
    private readonly int[] _depths; // levels to the deepest leaf: a leaf's self-loop makes extra steps harmless
    private readonly double _bias;
    private readonly int _width;
    private readonly MlTask _task;
    private (double Slope, double Offset)? _platt;

    /// <summary>Go to <see cref="Right"/> when the feature's value is greater than the threshold, else <see cref="Left"/> (ML.NET's rule).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Node(int feature, float threshold, int left, int right)
    {
        public int Feature = feature;
        public float Threshold = threshold;
        public int Left = left;
        public int Right = right; // right after Left: the child is Left or the next int, picked by the comparison's 0 or 1

        /// <summary>The child for <paramref name="value"/>, without a branch: a mispredicted branch per level costs more than the whole step.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Next(ref Node node, float value)
        {
            var greater = value > node.Threshold;
            return Unsafe.Add(ref node.Left, Unsafe.As<bool, byte>(ref greater));
        }
    }

    private CompiledForest(Node[] nodes, double[] value, int[] roots, int[] depths, double bias, int width, MlTask task)
    {
        (_nodes, _value, _roots, _depths, _bias, _width, _task) = (nodes, value, roots, depths, bias, width, task);
    }

    /// <summary>The compiled form of <paramref name="model"/>, or null when it is not a plain tree ensemble or disagrees with <paramref name="engine"/>.</summary>
    public static CompiledForest? TryCompile(ITransformer model, MlTask task, int width, Func<float[], int, Prediction[]> engine)
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

        var nodes = new List<Node>();
        var value = new List<double>();
        var roots = new int[trees.Count];
        var depths = new int[trees.Count];
        for (var t = 0; t < trees.Count; t++)
        {
            var tree = trees[t];
            if (tree.CategoricalSplitFlags.Any(f => f) || tree.NumericalSplitFeatureIndexes.Any(f => f < 0 || f >= width))
                return null;
            int splits = tree.NumberOfNodes, nodeBase = nodes.Count;
            // Splits first (as numbered by ML.NET), then the leaves (leaf k at splits + k); ML.NET writes leaf k as ~k.
            int Child(int c) => nodeBase + (c >= 0 ? c : splits + ~c);
            for (var n = 0; n < splits; n++)
            {
                nodes.Add(new Node(tree.NumericalSplitFeatureIndexes[n], tree.NumericalSplitThresholds[n], Child(tree.LeftChild[n]), Child(tree.RightChild[n])));
                value.Add(0);
            }
            for (var k = 0; k < tree.LeafValues.Count; k++)
            {
                var self = nodeBase + splits + k;
                nodes.Add(new Node(0, float.PositiveInfinity, self, self));
                value.Add(tree.LeafValues[k] * weights[t]);
            }
            roots[t] = nodeBase;
            depths[t] = Depth(tree, 0);
        }
        var compiled = new CompiledForest([.. nodes], [.. value], roots, depths, bias, width, task);
        var splitNodes = nodes.Where(n => !float.IsPositiveInfinity(n.Threshold)).Select(n => (n.Feature, n.Threshold));
        return compiled.Calibrate(Probes(splitNodes, width), engine, trees.Count) ? compiled : null;
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

    // Rows go through the trees a block at a time, tree by tree: one tree's nodes and the block's features stay in L1.
    private const int Block = 128;

    /// <summary>The ensemble's raw output (bias included) for <paramref name="rows"/> rows from <paramref name="first"/>, into <paramref name="sums"/>.</summary>
    private void Sums(float[] features, int first, int rows, double[] sums)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((first + rows) * _width, features.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(sums.Length, rows);
        // Bounds were checked above and every node's feature is below the width (checked when compiling).
        ref var f = ref MemoryMarshal.GetArrayDataReference(features);
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        ref var value = ref MemoryMarshal.GetArrayDataReference(_value);
        ref var sum = ref MemoryMarshal.GetArrayDataReference(sums);
        var w = _width;
        sums.AsSpan(0, rows).Fill(_bias);
        for (var start = 0; start < rows; start += Block)
        {
            var end = Math.Min(rows, start + Block);
            for (var t = 0; t < _roots.Length; t++)
            {
                var (root, depth) = (_roots[t], _depths[t]);
                var r = start;
                for (; r + 8 <= end; r += 8)
                {
                    int o0 = (first + r) * w, o1 = o0 + w, o2 = o1 + w, o3 = o2 + w, o4 = o3 + w, o5 = o4 + w, o6 = o5 + w, o7 = o6 + w;
                    int n0 = root, n1 = root, n2 = root, n3 = root, n4 = root, n5 = root, n6 = root, n7 = root;
                    for (var level = depth; level > 0; level--)
                    {
                        var m0 = Step(ref nodes, ref f, n0, o0);
                        var m1 = Step(ref nodes, ref f, n1, o1);
                        var m2 = Step(ref nodes, ref f, n2, o2);
                        var m3 = Step(ref nodes, ref f, n3, o3);
                        var m4 = Step(ref nodes, ref f, n4, o4);
                        var m5 = Step(ref nodes, ref f, n5, o5);
                        var m6 = Step(ref nodes, ref f, n6, o6);
                        var m7 = Step(ref nodes, ref f, n7, o7);
                        (n0, n1, n2, n3, n4, n5, n6, n7) = (m0, m1, m2, m3, m4, m5, m6, m7);
                    }
                    Unsafe.Add(ref sum, r) += Unsafe.Add(ref value, n0);
                    Unsafe.Add(ref sum, r + 1) += Unsafe.Add(ref value, n1);
                    Unsafe.Add(ref sum, r + 2) += Unsafe.Add(ref value, n2);
                    Unsafe.Add(ref sum, r + 3) += Unsafe.Add(ref value, n3);
                    Unsafe.Add(ref sum, r + 4) += Unsafe.Add(ref value, n4);
                    Unsafe.Add(ref sum, r + 5) += Unsafe.Add(ref value, n5);
                    Unsafe.Add(ref sum, r + 6) += Unsafe.Add(ref value, n6);
                    Unsafe.Add(ref sum, r + 7) += Unsafe.Add(ref value, n7);
                }
                for (; r < end; r++)
                {
                    var o = (first + r) * w;
                    var n = root;
                    for (var level = depth; level > 0; level--)
                        n = Step(ref nodes, ref f, n, o);
                    Unsafe.Add(ref sum, r) += Unsafe.Add(ref value, n);
                }
            }
        }
    }

    /// <summary>One level down for the row whose features start at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Step(ref Node nodes, ref float features, int node, int offset)
    {
        ref var n = ref Unsafe.Add(ref nodes, node);
        return Node.Next(ref n, Unsafe.Add(ref features, offset + n.Feature));
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
