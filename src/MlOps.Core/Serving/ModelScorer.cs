using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Data;
using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Tracking;
using MlOps.Training;

namespace MlOps.Serving;

/// <summary>
/// Scores raw rows with one registered model version exactly as training featurized them: validate against the
/// signature, featurize through the version's <see cref="FittedFeaturizer"/>, predict with pooled PredictionEngines
/// (they are not thread-safe, so each call borrows one). Thread-safe; shared by the server, batch scoring and notebooks.
/// </summary>
public sealed class ModelScorer : IDisposable
{
    private readonly FittedFeaturizer _featurizer;
    private readonly Dictionary<string, SchemaColumn> _signature;
    private readonly IEnginePool _pool;

    private ModelScorer(ModelVersion version, MlTask task, FittedFeaturizer featurizer, IEnginePool pool, ScorerOptions options)
    {
        Version = version;
        Task = task;
        _featurizer = featurizer;
        _pool = pool;
        Options = options;
        Signature = version.Signature.Count > 0 ? version.Signature : featurizer.Signature;
        _signature = Signature.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    public ModelVersion Version { get; }

    /// <summary>What a <see cref="Prediction"/> holds: binary, multiclass or regression.</summary>
    public MlTask Task { get; }

    /// <summary>The raw input columns (name, number|category) a caller must send.</summary>
    public IReadOnlyList<SchemaColumn> Signature { get; }

    public ScorerOptions Options { get; }

    /// <summary>SHA-256 of the model artifact, verified when it was loaded.</summary>
    public string Sha256 => Version.Artifact.Sha256;

    /// <summary>Load a version: the model zip is read through <see cref="IArtifactStore.OpenVerified"/> (hash checked), then the featurizer.</summary>
    public static ModelScorer Load(ModelVersion version, IArtifactStore artifacts, ScorerOptions? options = null)
    {
        options ??= new ScorerOptions();
        var name = $"'{version.Model}' v{version.Version}";
        if (version.Featurizer is null)
            throw new MlOpsException($"{name} has no stored featurizer, so raw rows cannot be featurized as in training. Re-run its experiment and register the new run.");
        FittedFeaturizer featurizer;
        using (var reader = new StreamReader(artifacts.OpenVerified(version.Featurizer)))
            featurizer = FittedFeaturizer.FromJson(reader.ReadToEnd());
        // User C# steps ran on the table before featurize; without them here the model would see different inputs.
        if (featurizer.CodeHash.Length > 0)
            throw new MlOpsException($"{name} was trained with custom C# steps (code hash {featurizer.CodeHash[..12]}), which a server cannot re-run. Serve a version trained without them.");
        var ml = new MLContext(seed: 0);
        ITransformer model;
        using (var stream = artifacts.OpenVerified(version.Artifact))
        {
            try { model = ml.Model.Load(stream, out _); }
            catch (Exception e) when (e is not MlOpsException)
            {
                throw new MlOpsException($"The model artifact of {name} ({version.Artifact.Sha256}) could not be loaded by ML.NET ({e.Message}).", e);
            }
        }
        var width = featurizer.SlotNames.Count;
        var task = MlTaskNames.Parse(version.Task.Length > 0 ? version.Task : featurizer.Task);
        IEnginePool pool = task switch
        {
            MlTask.Binary => new EnginePool<BinaryIn, BinaryOut>(ml, model, width, options.MaxEngines,
                o => new Prediction(o.PredictedLabel, o.Score, o.Probability)),
            MlTask.Regression => new EnginePool<RegressionIn, RegressionOut>(ml, model, width, options.MaxEngines,
                o => new Prediction(o.Score, o.Score)),
            _ => MulticlassPool(ml, model, width, options.MaxEngines),
        };
        return new ModelScorer(version, task, featurizer, pool, options);
    }

    private static IEnginePool MulticlassPool(MLContext ml, ITransformer model, int width, int max)
    {
        var input = SchemaDefinition.Create(typeof(ClassIn));
        input["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        var outputSchema = model.GetOutputSchema(ml.Data.LoadFromEnumerable(Array.Empty<ClassIn>(), input).Schema);
        VBuffer<ReadOnlyMemory<char>> names = default;
        var score = outputSchema["Score"];
        if (score.HasSlotNames())
            score.GetSlotNames(ref names);
        var classes = names.DenseValues().Select(n => n.ToString()).ToArray();
        return new EnginePool<ClassIn, ClassOut>(ml, model, width, max, o =>
        {
            var scores = new Dictionary<string, double>(o.Score.Length, StringComparer.Ordinal);
            for (var i = 0; i < o.Score.Length; i++)
                scores[i < classes.Length ? classes[i] : i.ToString(CultureInfo.InvariantCulture)] = o.Score[i];
            return new Prediction(o.PredictedLabel, Scores: scores);
        });
    }

    /// <summary>Validate, featurize and score; throws <see cref="ScoringInputException"/> for input that does not fit the signature.</summary>
    public IReadOnlyList<Prediction> Score(ScoringInput input)
    {
        var table = Validate(input);
        if (table.RowCount == 0)
            return [];
        var reader = new ColumnReader(table);
        float[] features;
        try
        {
            _featurizer.AddDerivedColumns(reader);
            features = _featurizer.Transform(reader, Enumerable.Range(0, table.RowCount).ToArray());
        }
        catch (MlOpsException e) when (e is not ScoringInputException)
        {
            throw new ScoringInputException("The rows could not be featurized: " + e.Message);
        }
        return _pool.Predict(features, table.RowCount);
    }

    /// <summary>
    /// Score one synthetic row (0 for numbers, "" for categories) so that engine creation and JIT happen now, not on
    /// the first real request after a deployment switches to this scorer.
    /// </summary>
    public void Warm()
    {
        var row = Signature.Select(c => c.Type == "number" ? 0.0 : (object?)"").ToArray();
        Score(new ScoringInput(Signature.Select(c => c.Name).ToList(), [row]));
    }

    /// <summary>Check columns and cell types against the signature and build the raw table featurize reads.</summary>
    private Table Validate(ScoringInput input)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < input.Columns.Count; i++)
        {
            var name = input.Columns[i] ?? throw new ScoringInputException($"Column {i + 1} has no name.");
            if (!index.TryAdd(name, i))
                throw new ScoringInputException($"Column '{name}' is given twice.", name);
            if (!Options.AllowExtraColumns && !_signature.ContainsKey(name))
                throw new ScoringInputException($"Column '{name}' is not an input of {Describe()}; this server refuses extra columns. Its inputs are: {Inputs()}.", name);
        }
        foreach (var column in Signature)
            if (!index.ContainsKey(column.Name))
                throw new ScoringInputException($"Missing column '{column.Name}' ({column.Type}). {Describe()} needs: {Inputs()}.", column.Name);
        for (var r = 0; r < input.Rows.Count; r++)
            if (input.Rows[r] is not { } row || row.Length != input.Columns.Count)
                throw new ScoringInputException($"Row {r} has {input.Rows[r]?.Length ?? 0} values but there are {input.Columns.Count} columns.");

        var rows = input.Rows.Count;
        var columns = new List<TableColumn>(Signature.Count);
        foreach (var column in Signature)
        {
            var at = index[column.Name];
            if (column.Type == "number")
            {
                var values = new double[rows];
                for (var r = 0; r < rows; r++)
                    values[r] = Number(input.Rows[r][at], column.Name, r);
                columns.Add(new TableColumn(column.Name, values));
            }
            else
            {
                var values = new string?[rows];
                for (var r = 0; r < rows; r++)
                    values[r] = input.Rows[r][at] switch
                    {
                        null => null,
                        string s => s,
                        var other => throw new ScoringInputException(
                            $"Column '{column.Name}' is a category and needs text, but row {r} has {Printable(other)}. Send it as a string.", column.Name),
                    };
                columns.Add(new TableColumn(column.Name, values));
            }
        }
        return new Table("request", columns);
    }

    private static double Number(object? cell, string column, int row) => cell switch
    {
        null => double.NaN, // missing: featurize fills it as in training
        double d => d,
        string s when MessyNumber.TryParse(s, out var v) => v,
        _ => throw new ScoringInputException($"Column '{column}' is a number, but row {row} has {Printable(cell)}, which does not parse as one.", column),
    };

    private static string Printable(object cell) => cell switch
    {
        string s => $"'{(s.Length > 40 ? s[..40] + "..." : s)}'",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => cell.ToString() ?? "",
    };

    private string Describe() => $"'{Version.Model}' v{Version.Version}";

    private string Inputs() => string.Join(", ", Signature.Select(c => $"{c.Name} ({c.Type})"));

    public void Dispose() => _pool.Dispose();

    // ---- PredictionEngine pool ----

    private interface IEnginePool : IDisposable
    {
        Prediction[] Predict(float[] features, int rows);
    }

    private interface IFeatures { float[] Features { get; set; } }

    private sealed class BinaryIn : IFeatures { public float[] Features { get; set; } = []; public bool Label { get; set; } }
    private sealed class BinaryOut { public bool PredictedLabel { get; set; } public float Score { get; set; } public float Probability { get; set; } }
    private sealed class RegressionIn : IFeatures { public float[] Features { get; set; } = []; public float Label { get; set; } }
    private sealed class RegressionOut { public float Score { get; set; } }
    // Multiclass models begin with MapValueToKey(Label), so the input needs a Label column even to predict.
    private sealed class ClassIn : IFeatures { public float[] Features { get; set; } = []; public string Label { get; set; } = ""; }
    private sealed class ClassOut { public string PredictedLabel { get; set; } = ""; public float[] Score { get; set; } = []; }

    /// <summary>Bounded pool: at most <c>max</c> engines exist; a borrower waits on the semaphore when all are out.</summary>
    private sealed class EnginePool<TIn, TOut>(MLContext ml, ITransformer model, int width, int max, Func<TOut, Prediction> map) : IEnginePool
        where TIn : class, IFeatures, new() where TOut : class, new()
    {
        private readonly ConcurrentBag<PredictionEngine<TIn, TOut>> _free = [];
        private readonly SemaphoreSlim _slots = new(max, max);
        private readonly SchemaDefinition _input = InputSchema(width);

        private static SchemaDefinition InputSchema(int width)
        {
            var schema = SchemaDefinition.Create(typeof(TIn));
            schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
            return schema;
        }

        public Prediction[] Predict(float[] features, int rows)
        {
            _slots.Wait();
            if (!_free.TryTake(out var engine))
                engine = ml.Model.CreatePredictionEngine<TIn, TOut>(model, inputSchemaDefinition: _input);
            try
            {
                var result = new Prediction[rows];
                var input = new TIn { Features = new float[width] };
                var output = new TOut();
                for (var r = 0; r < rows; r++)
                {
                    Array.Copy(features, r * width, input.Features, 0, width);
                    engine.Predict(input, ref output);
                    result[r] = map(output);
                }
                return result;
            }
            finally
            {
                _free.Add(engine);
                _slots.Release();
            }
        }

        public void Dispose()
        {
            while (_free.TryTake(out var engine))
                engine.Dispose();
        }
    }
}
