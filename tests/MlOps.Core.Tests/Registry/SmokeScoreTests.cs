using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Registry;

namespace MlOps.Tests.Registry;

/// <summary>
/// The smoke gate's prediction check on real ML.NET views: a NaN score or an empty score vector counts as bad.
/// (Trained models on the rankings data never predict NaN, so the check is fed such outputs directly.)
/// </summary>
public sealed class SmokeScoreTests
{
    private sealed class ScalarScore
    {
        public float Score { get; set; }
    }

    private sealed class VectorScore
    {
        [VectorType]
        public float[] Score { get; set; } = [];
    }

    private sealed class NoScore
    {
        public bool Label { get; set; }
    }

    private readonly MLContext _ml = new(seed: 0);

    [Fact]
    public void NaN_scalar_scores_are_counted_as_bad_predictions()
    {
        var view = _ml.Data.LoadFromEnumerable(new[] { 0.2f, float.NaN, 0.9f, float.NaN }.Select(s => new ScalarScore { Score = s }));

        Assert.Equal((4, 2), GateEvaluator.Score(view));
    }

    [Fact]
    public void Empty_or_NaN_score_vectors_are_counted_as_bad_predictions()
    {
        var view = _ml.Data.LoadFromEnumerable(new float[][] { [0.1f, 0.9f], [], [0.5f, float.NaN], [1, 0] }.Select(s => new VectorScore { Score = s }));

        Assert.Equal((4, 2), GateEvaluator.Score(view));
    }

    [Fact]
    public void A_view_without_a_Score_column_is_an_error()
    {
        var view = _ml.Data.LoadFromEnumerable(new[] { new NoScore { Label = true } });

        Assert.Contains("no Score column", Assert.Throws<MlOpsException>(() => GateEvaluator.Score(view)).Message);
    }
}
