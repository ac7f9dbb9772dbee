using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Training;

namespace MlOps.Serving;

/// <summary>
/// Evaluation of a scored file that carries the label: each scored row's true label and prediction are kept
/// (a label and one to three numbers per row, the only state batch scoring keeps per row), then the run's metrics
/// are computed by <see cref="Evaluator"/>, so they mean exactly what a training run's metrics mean.
/// </summary>
internal sealed class BatchEvaluation(MlTask task)
{
    private readonly List<bool> _bools = [];
    private readonly List<float> _numbers = [];
    private readonly List<string> _classes = [];
    private readonly List<float> _scores = [];
    private readonly List<float> _probabilities = [];
    private readonly List<bool> _predicted = [];
    private readonly List<float[]> _classScores = [];
    private string[]? _classNames;

    public long Rows { get; private set; }

    public void Add(IReadOnlyList<Prediction> predictions, object?[] labels)
    {
        for (var i = 0; i < predictions.Count; i++)
        {
            if (labels[i] is not { } label)
                continue; // a row without its label still gets scored, just not evaluated
            var p = predictions[i];
            switch (task)
            {
                case MlTask.Binary:
                    _bools.Add((bool)label);
                    _scores.Add((float)(p.Score ?? 0));
                    _probabilities.Add((float)(p.Probability ?? double.NaN));
                    _predicted.Add((bool)p.Label);
                    break;
                case MlTask.Regression:
                    _numbers.Add((float)(double)label);
                    _scores.Add((float)(p.Score ?? 0));
                    break;
                default:
                    _classNames ??= p.Scores!.Keys.ToArray();
                    _classes.Add((string)label);
                    _classScores.Add(p.Scores!.Values.Select(v => (float)v).ToArray());
                    break;
            }
            Rows++;
        }
    }

    public IReadOnlyDictionary<string, double> Metrics()
    {
        if (Rows == 0)
            return new Dictionary<string, double>();
        var ml = new MLContext(seed: 0);
        IDataView scored = task switch
        {
            MlTask.Binary => ml.Data.LoadFromEnumerable(_bools.Select((y, i) => new BinaryRow
            {
                Label = y, Score = _scores[i], Probability = _probabilities[i], PredictedLabel = _predicted[i],
            })),
            MlTask.Regression => ml.Data.LoadFromEnumerable(_numbers.Select((y, i) => new RegressionRow { Label = y, Score = _scores[i] })),
            _ => ml.Data.LoadFromEnumerable(_classes.Select((y, i) => new ClassRow { Label = y, Score = _classScores[i] }), ClassSchema()),
        };
        return Evaluator.Scored(task, scored, "").Metrics;
    }

    /// <summary>The Score vector names its classes in slot order, as a trained multiclass model's output does.</summary>
    private SchemaDefinition ClassSchema()
    {
        var names = _classNames!;
        var schema = SchemaDefinition.Create(typeof(ClassRow));
        var score = schema["Score"];
        score.ColumnType = new VectorDataViewType(NumberDataViewType.Single, names.Length);
        var slotNames = new VBuffer<ReadOnlyMemory<char>>(names.Length, names.Select(n => n.AsMemory()).ToArray());
        score.AddAnnotation("SlotNames", slotNames, new VectorDataViewType(TextDataViewType.Instance, names.Length));
        return schema;
    }

    private sealed class BinaryRow { public bool Label { get; set; } public float Score { get; set; } public float Probability { get; set; } public bool PredictedLabel { get; set; } }
    private sealed class RegressionRow { public float Label { get; set; } public float Score { get; set; } }
    private sealed class ClassRow { public string Label { get; set; } = ""; public float[] Score { get; set; } = []; }
}
