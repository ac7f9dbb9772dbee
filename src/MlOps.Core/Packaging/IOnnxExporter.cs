using Microsoft.ML;
using MlOps.Training;

namespace MlOps.Packaging;

/// <summary>
/// Exports a model to ONNX and checks it against ML.NET on sample rows. An interface so that the engine does not carry
/// ONNX Runtime's native libraries: MlOps.Onnx implements it and the CLI passes it to <see cref="ModelPackage.Write"/>.
/// </summary>
public interface IOnnxExporter
{
    /// <summary>Write <paramref name="onnxPath"/> and compare its outputs with <paramref name="model"/>'s on
    /// <paramref name="features"/> (row-major, rows x width, already featurized). Never throws for a model that cannot
    /// be exported: the report says why.</summary>
    OnnxReport Export(MLContext ml, ITransformer model, MlTask task, float[] features, int rows, int width, string onnxPath);
}
