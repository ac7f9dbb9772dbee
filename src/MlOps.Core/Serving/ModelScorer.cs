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
    private readonly FittedFeaturizer.SignatureTransform? _transform;
    private readonly Dictionary<string, SchemaColumn> _signature;
    private readonly IEnginePool _pool;
    private CompiledForest? _forest;
    private readonly int _width;

    private ModelScorer(ModelVersion version, MlTask task, FittedFeaturizer featurizer, IEnginePool pool, ScorerOptions options, IReadOnlyList<string> classes)
    {
        ClassNames = classes;
        _width = featurizer.SlotNames.Count;
        Version = version;
        Task = task;
        _featurizer = featurizer;
        _pool = pool;
        Options = options;
        Signature = version.Signature.Count > 0 ? version.Signature : featurizer.Signature;
        _signature = Signature.ToDictionary(c => c.Name, StringComparer.Ordinal);
        _transform = featurizer.ForSignature(Signature);
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
        string[] classes = [];
        IEnginePool pool = task switch
        {
            MlTask.Binary => new EnginePool<BinaryIn, BinaryOut>(ml, model, width, options.MaxEngines,
                o => new Prediction(o.PredictedLabel, o.Score, o.Probability)),
            MlTask.Regression => new EnginePool<RegressionIn, RegressionOut>(ml, model, width, options.MaxEngines,
                o => new Prediction(o.Score, o.Score)),
            _ => MulticlassPool(ml, model, width, options.MaxEngines, out classes),
        };
        var forest = options.CompileTrees ? CompiledForest.TryCompile(model, task, width, (features, rows) => pool.Predict(features, 0, rows), options.TreeTables) : null;
        return new ModelScorer(version, task, featurizer, pool, options, classes) { _forest = forest };
    }

    /// <summary>Multiclass: the classes in score order (the keys of <see cref="Prediction.Scores"/>); empty for other tasks.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    private static IEnginePool MulticlassPool(MLContext ml, ITransformer model, int width, int max, out string[] classNames)
    {
        var input = SchemaDefinition.Create(typeof(ClassIn));
        input["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        var outputSchema = model.GetOutputSchema(ml.Data.LoadFromEnumerable(Array.Empty<ClassIn>(), input).Schema);
        VBuffer<ReadOnlyMemory<char>> names = default;
        var score = outputSchema["Score"];
        if (score.HasSlotNames())
            score.GetSlotNames(ref names);
        var classes = classNames = names.DenseValues().Select(n => n.ToString()).ToArray();
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
        var binding = Bind(input.Columns);
        var count = input.Rows.Count;
        if (count < 2 * ParallelFrom)
            return Score(ReadRows(input, binding, 0, count), parallel: true);
        // Large inputs go in pieces small enough that their column and feature arrays stay off the large object heap
        // (they die young instead of triggering full collections), spread over the cores. The first bad row in row
        // order is the one reported, as when one thread reads them all.
        var pieces = (count + Piece - 1) / Piece;
        var result = new Prediction[count];
        var errors = new ScoringInputException?[pieces];
        Parallel.For(0, pieces, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(Environment.ProcessorCount, Options.MaxEngines) }, (p, loop) =>
        {
            var first = p * Piece;
            try
            {
                var predictions = Score(ReadRows(input, binding, first, Math.Min(Piece, count - first)), parallel: false);
                for (var i = 0; i < predictions.Count; i++)
                    result[first + i] = predictions[i];
            }
            catch (ScoringInputException e)
            {
                errors[p] = e;
                loop.Break(); // pieces after this one need not run; earlier ones still finish and may hold an earlier error
            }
        });
        return errors.FirstOrDefault(e => e is not null) is { } error ? throw error : result;
    }

    // 2,048 rows: a number column is 16 KB and the feature matrix well under the 85 KB large-object threshold.
    private const int Piece = 2048;

    private SignatureRows ReadRows(ScoringInput input, int[] binding, int first, int count)
    {
        var rows = new SignatureRows(Signature, count);
        for (var r = first; r < first + count; r++)
            if (ReadRow(input.Rows[r], input.Rows[r]?.Length ?? 0, input.Columns.Count, binding, rows, r, "row") is { } rejection)
                throw new ScoringInputException(rejection.Reason, rejection.Column);
        return rows;
    }

    /// <summary>
    /// Score validated rows (the server's JSON reader fills them directly): featurized straight from the signature
    /// columns when the featurizer allows it (no derived columns), else through a table as in training.
    /// </summary>
    internal IReadOnlyList<Prediction> Score(SignatureRows rows, bool parallel = true)
    {
        if (_transform is null || rows.Count == 0)
            return Score(rows.ToTable("request"), withLabels: false, parallel).Predictions;
        var features = _transform.Transform(rows);
        return parallel ? Predict(features, rows.Count) : PredictSlice(features, 0, rows.Count);
    }

    /// <summary>
    /// Where each signature column is in <paramref name="columns"/>; throws for a header that does not fit (a name
    /// given twice, a missing input, an extra column when refused). Rows are then checked one by one with <see cref="ReadRow"/>.
    /// </summary>
    internal int[] Bind(IReadOnlyList<string> columns)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++)
        {
            var name = columns[i] ?? throw new ScoringInputException($"Column {i + 1} has no name.");
            if (!index.TryAdd(name, i))
                throw new ScoringInputException($"Column '{name}' is given twice.", name);
            if (!Options.AllowExtraColumns && !_signature.ContainsKey(name))
                throw new ScoringInputException($"Column '{name}' is not an input of {Describe()}; this server refuses extra columns. Its inputs are: {Inputs()}.", name);
        }
        foreach (var column in Signature)
            if (!index.ContainsKey(column.Name))
                throw new ScoringInputException($"Missing column '{column.Name}' ({column.Type}). {Describe()} needs: {Inputs()}.", column.Name);
        return Signature.Select(c => index[c.Name]).ToArray();
    }

    /// <summary>
    /// The one row check that HTTP and batch scoring share: cell count, numbers that parse (messy forms and missing
    /// markers allowed, <see cref="MessyNumber"/>), text for categories. A good row is appended to <paramref name="into"/>;
    /// a bad one is left out and its reason returned. <paramref name="rowWord"/> and <paramref name="row"/> name it in the reason ("row 3", "line 12").
    /// Only the signature's cells of <paramref name="cells"/> are read; <paramref name="cellCount"/> is how many the row really had.
    /// </summary>
    internal RowRejection? ReadRow(object?[]? cells, int cellCount, int columnCount, int[] binding, SignatureRows into, long row, string rowWord)
    {
        if (cells is null || cellCount != columnCount)
            return new RowRejection($"{Capitalized(rowWord)} {row} has {cellCount} values but there are {columnCount} columns.");
        var numbers = into.NumberScratch;
        var texts = into.TextScratch;
        for (var c = 0; c < Signature.Count; c++)
        {
            var column = Signature[c];
            var cell = cells[binding[c]];
            if (column.Type == "number")
            {
                switch (cell)
                {
                    case null: numbers[c] = double.NaN; break; // missing: featurize fills it as in training
                    case double d: numbers[c] = d; break;
                    case string s when MessyNumber.TryParse(s, out var v): numbers[c] = v; break;
                    default:
                        return new RowRejection($"Column '{column.Name}' is a number, but {rowWord} {row} has {Printable(cell)}, which does not parse as one.", column.Name);
                }
            }
            else
            {
                switch (cell)
                {
                    case null: texts[c] = null; break;
                    case string s: texts[c] = s; break;
                    default:
                        return new RowRejection(
                            $"Column '{column.Name}' is a category and needs text, but {rowWord} {row} has {Printable(cell)}. Send it as a string.", column.Name);
                }
            }
        }
        into.Commit();
        return null;
    }

    private static string Capitalized(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];

    /// <summary>Featurize validated rows (signature columns, plus any others featurize may read) and score them.</summary>
    internal IReadOnlyList<Prediction> Score(Table table) => Score(table, withLabels: false).Predictions;

    /// <summary>
    /// Featurize and score; with <paramref name="withLabels"/> also derive each row's true label as training did
    /// (<see cref="FittedFeaturizer.Labels"/>), null when the table lacks the label's columns.
    /// </summary>
    internal (IReadOnlyList<Prediction> Predictions, object?[]? Labels) Score(Table table, bool withLabels, bool parallel = true)
    {
        if (table.RowCount == 0)
            return ([], null);
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
        var predictions = parallel ? Predict(features, table.RowCount) : PredictSlice(features, 0, table.RowCount);
        return (predictions, withLabels ? Labels(reader) : null);
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

    // A label that cannot be derived only means no evaluation; it never fails the scoring.
    private object?[]? Labels(ColumnReader reader)
    {
        try
        {
            return _featurizer.Labels(reader);
        }
        catch (Exception e) when (e is MlOpsException or FormatException or InvalidCastException)
        {
            return null;
        }
    }

    // Below this many rows one engine is quicker than handing slices to other threads.
    private const int ParallelFrom = 4096;

    /// <summary>Large inputs (batch files, big requests) are cut into one slice per core, each scored on its own pooled engine.</summary>
    internal Prediction[] Predict(float[] features, int rows)
    {
        var slices = Math.Min(Math.Min(Environment.ProcessorCount, Options.MaxEngines), rows / ParallelFrom);
        if (slices <= 1)
            return PredictSlice(features, 0, rows);
        var result = new Prediction[rows];
        var size = (rows + slices - 1) / slices;
        Parallel.For(0, slices, s =>
        {
            var first = s * size;
            var count = Math.Min(size, rows - first);
            if (count > 0)
                Array.Copy(PredictSlice(features, first, count), 0, result, first, count);
        });
        return result;
    }

    private Prediction[] PredictSlice(float[] features, int first, int rows) =>
        _forest is { } forest && !CompiledForest.HasMissing(features, first, rows, _width)
            ? forest.Predict(features, first, rows)
            : _pool.Predict(features, first, rows);

    /// <summary>True when predictions come from the compiled tree ensemble rather than PredictionEngines (see <see cref="CompiledForest"/>).</summary>
    public bool IsCompiled => _forest is not null;

    internal FittedFeaturizer Featurizer => _featurizer;

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
        /// <summary>Score <paramref name="rows"/> rows of the row-major matrix, starting at row <paramref name="first"/>.</summary>
        Prediction[] Predict(float[] features, int first, int rows);
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

        public Prediction[] Predict(float[] features, int first, int rows)
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
                    Array.Copy(features, (first + r) * width, input.Features, 0, width);
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
