using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlOps.Core.Tests.Training;

/// <summary>
/// Small seeded data sets in the pipeline's convention (Features vector + Label). Slot 0 is strongly
/// informative, slot 1 weakly, slot 2 is pure noise.
/// </summary>
internal static class SyntheticData
{
    public const int FeatureCount = 3;
    public static readonly string[] FeatureNames = ["strong", "weak", "noise"];
    public static readonly string[] Classes = ["cat", "dog", "bird"];

    public sealed class BinaryRow
    {
        [VectorType(FeatureCount)] public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    public sealed class MulticlassRow
    {
        [VectorType(FeatureCount)] public float[] Features { get; set; } = [];
        public string Label { get; set; } = "";
    }

    public sealed class RegressionRow
    {
        [VectorType(FeatureCount)] public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private static IEnumerable<(float[] X, double Z)> Points(int count, int seed)
    {
        var random = new Random(seed);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        for (var i = 0; i < count; i++)
        {
            var x = new[] { (float)Gaussian(), (float)Gaussian(), (float)Gaussian() };
            yield return (x, x[0] + 0.5 * x[1] + 0.3 * Gaussian());
        }
    }

    public static List<BinaryRow> BinaryRows(int count, int seed)
        => Points(count, seed).Select(p => new BinaryRow { Features = p.X, Label = p.Z > 0 }).ToList();

    public static List<MulticlassRow> MulticlassRows(int count, int seed)
        => Points(count, seed).Select(p => new MulticlassRow
        {
            Features = p.X,
            Label = p.Z < -0.5 ? Classes[0] : p.Z < 0.5 ? Classes[1] : Classes[2],
        }).ToList();

    public static List<RegressionRow> RegressionRows(int count, int seed)
        => Points(count, seed).Select(p => new RegressionRow { Features = p.X, Label = (float)(3 * p.Z) }).ToList();

    /// <summary>Train (400 rows) and test (200 rows) drawn independently.</summary>
    public static (IDataView Train, IDataView Test) Split(MLContext ml, MlOps.Training.MlTask task) => task switch
    {
        MlOps.Training.MlTask.Binary => (ml.Data.LoadFromEnumerable(BinaryRows(400, 1)), ml.Data.LoadFromEnumerable(BinaryRows(200, 2))),
        MlOps.Training.MlTask.Multiclass => (ml.Data.LoadFromEnumerable(MulticlassRows(400, 1)), ml.Data.LoadFromEnumerable(MulticlassRows(200, 2))),
        _ => (ml.Data.LoadFromEnumerable(RegressionRows(400, 1)), ml.Data.LoadFromEnumerable(RegressionRows(200, 2))),
    };
}
