using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlOps.Packaging;
using MlOps.Training;

namespace MlOps.Onnx;

/// <summary>
/// Exports a model with ML.NET's ONNX converter and scores the same featurized rows with ONNX Runtime and with ML.NET:
/// the export counts only when every label agrees and every score and probability is within
/// <see cref="ModelPackage.OnnxTolerance"/>. The ONNX input is the "Features" vector our featurizer produces
/// (multiclass models also take a "Label" string, which their first step maps to a key and prediction ignores).
/// </summary>
public sealed class OnnxExporter : IOnnxExporter
{
    public OnnxReport Export(MLContext ml, ITransformer model, MlTask task, float[] features, int rows, int width, string onnxPath)
    {
        var tolerance = ModelPackage.OnnxTolerance;
        var view = task == MlTask.Multiclass ? Load<ClassRow>(ml, features, rows, width) : Load<FeatureRow>(ml, features, rows, width);
        try
        {
            using (var file = File.Create(onnxPath))
                ml.Model.ConvertToOnnx(model, view, file);
        }
        catch (Exception e)
        {
            return OnnxReport.NotExported($"ML.NET could not convert this model to ONNX ({e.GetType().Name}: {FirstLine(e.Message)}).", tolerance);
        }

        Outputs expected, actual;
        string runtime;
        try
        {
            expected = MlNetOutputs(ml, model, view, task);
            (actual, runtime) = OnnxOutputs(onnxPath, features, rows, width);
        }
        catch (Exception e)
        {
            return OnnxReport.NotExported($"the ONNX export could not be checked with ONNX Runtime ({e.GetType().Name}: {FirstLine(e.Message)}), so it was not shipped.", tolerance);
        }

        var maxDifference = 0.0;
        var labelsDiffer = 0;
        for (var r = 0; r < rows; r++)
        {
            if (expected.Labels is not null && !Equals(expected.Labels[r], actual.Labels?[r]))
                labelsDiffer++;
            for (var i = 0; i < expected.ScoreWidth; i++)
                maxDifference = Math.Max(maxDifference, Relative(expected.Scores[r * expected.ScoreWidth + i], actual.Scores[r * expected.ScoreWidth + i]));
            if (expected.Probabilities is { } p)
                maxDifference = Math.Max(maxDifference, Math.Abs(p[r] - actual.Probabilities![r]));
        }
        var report = new OnnxReport
        {
            Exported = labelsDiffer == 0 && maxDifference <= tolerance,
            File = ModelPackage.OnnxFile,
            Tolerance = tolerance,
            MaxDifference = maxDifference,
            RowsChecked = rows,
            LabelsEqual = expected.Labels is null ? null : labelsDiffer == 0,
            OnnxRuntimeVersion = runtime,
        };
        return report.Exported ? report : report with
        {
            File = null,
            Reason = labelsDiffer > 0
                ? $"ONNX Runtime predicted another label than ML.NET on {labelsDiffer} of {rows} held-out rows, so the export was not shipped."
                : $"ONNX Runtime's outputs differ from ML.NET's by up to {maxDifference:G3} on {rows} held-out rows (tolerance {tolerance:G}), so the export was not shipped.",
        };
    }

    /// <summary>Scores are unbounded (tree sums, regression values): compare relative to max(1, |value|).</summary>
    private static double Relative(double expected, double actual) =>
        double.IsNaN(expected) && double.IsNaN(actual) ? 0 : Math.Abs(expected - actual) / Math.Max(1, Math.Abs(expected)) is var d && double.IsNaN(d) ? double.PositiveInfinity : d;

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>Per row: label (bool, or class name), ScoreWidth scores, and a probability for binary models.</summary>
    private sealed record Outputs(object[]? Labels, float[] Scores, int ScoreWidth, float[]? Probabilities);

    private static Outputs MlNetOutputs(MLContext ml, ITransformer model, IDataView view, MlTask task)
    {
        var scored = model.Transform(view);
        switch (task)
        {
            case MlTask.Binary:
                return new Outputs(scored.GetColumn<bool>("PredictedLabel").Cast<object>().ToArray(), scored.GetColumn<float>("Score").ToArray(), 1,
                    scored.GetColumn<float>("Probability").ToArray());
            case MlTask.Regression:
                return new Outputs(null, scored.GetColumn<float>("Score").ToArray(), 1, null);
            default:
                var scores = scored.GetColumn<float[]>("Score").ToList();
                return new Outputs(scored.GetColumn<string>("PredictedLabel").Cast<object>().ToArray(), scores.SelectMany(s => s).ToArray(),
                    scores.FirstOrDefault()?.Length ?? 0, null);
        }
    }

    private static (Outputs, string Runtime) OnnxOutputs(string onnxPath, float[] features, int rows, int width)
    {
        using var session = new InferenceSession(onnxPath);
        var inputs = new Dictionary<string, OrtValue>();
        try
        {
            foreach (var (name, meta) in session.InputMetadata)
                inputs[name] = name switch
                {
                    "Features" => OrtValue.CreateTensorValueFromMemory(features, [rows, width]),
                    "Label" when meta.ElementDataType == TensorElementType.String => OrtValue.CreateFromStringTensor(
                        new DenseTensor<string>(Enumerable.Repeat("", rows).ToArray(), [rows, 1])),
                    _ => throw new NotSupportedException($"the ONNX model has an input '{name}' that only 'Features' (and a multiclass 'Label') should be"),
                };
            var names = session.OutputMetadata.Keys.ToArray();
            using var run = new RunOptions();
            using var results = session.Run(run, inputs.Keys.ToArray(), inputs.Values.ToArray(), names);
            var byName = names.Zip(results).ToDictionary(x => x.First, x => x.Second);
            OrtValue? Output(string column) => byName.GetValueOrDefault(column + ".output");
            var score = Output("Score") ?? throw new NotSupportedException("the ONNX model has no Score.output");
            var scores = score.GetTensorDataAsSpan<float>().ToArray();
            object[]? labels = Output("PredictedLabel") switch
            {
                null => null,
                { } label when label.GetTensorTypeAndShape().ElementDataType == TensorElementType.String => label.GetStringTensorAsArray(),
                { } label when label.GetTensorTypeAndShape().ElementDataType == TensorElementType.Bool => label.GetTensorDataAsSpan<bool>().ToArray().Cast<object>().ToArray(),
                { } label => label.GetTensorDataAsSpan<float>().ToArray().Cast<object>().ToArray(),
            };
            var probabilities = Output("Probability")?.GetTensorDataAsSpan<float>().ToArray();
            return (new Outputs(labels, scores, scores.Length / rows, probabilities), OrtEnv.Instance().GetVersionString());
        }
        finally
        {
            foreach (var value in inputs.Values)
                value.Dispose();
        }
    }

    private sealed class FeatureRow { public float[] Features { get; set; } = []; }

    private sealed class ClassRow { public float[] Features { get; set; } = []; public string Label { get; set; } = ""; }

    private static IDataView Load<T>(MLContext ml, float[] features, int rows, int width) where T : class, new()
    {
        var schema = SchemaDefinition.Create(typeof(T));
        schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        var property = typeof(T).GetProperty("Features")!;
        var list = Enumerable.Range(0, rows).Select(r =>
        {
            var row = new T();
            property.SetValue(row, features.AsSpan(r * width, width).ToArray());
            return row;
        }).ToList();
        return ml.Data.LoadFromEnumerable(list, schema);
    }
}
