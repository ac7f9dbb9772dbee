using MlOps.Data;
using MlOps.Registry;
using MlOps.Serving;

namespace MlOps.Monitoring;

/// <summary>
/// What a registered version's inputs and outputs looked like in training, computed once from its training rows and
/// stored, so a monitoring check never re-reads the training data: per raw signature column a
/// <see cref="NumericProfile"/> or <see cref="CategoryProfile"/>, and the distribution of the model's predicted
/// scores (binary: probability of the positive class; regression: the value; multiclass: the top class's score).
/// </summary>
public sealed record ReferenceProfile
{
    /// <summary>At most this many values are kept per numeric column for Kolmogorov-Smirnov (evenly spaced order statistics).</summary>
    public const int MaxSample = 10_000;

    /// <summary>Decile bins for PSI.</summary>
    public const int Bins = 10;

    public required string Model { get; init; }

    public required int Version { get; init; }

    public string Task { get; init; } = "";

    /// <summary>Training rows the profile was computed from.</summary>
    public int Rows { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Every column of the training data (not only the inputs): a window column outside it is new.</summary>
    public IReadOnlyList<string> DataColumns { get; init; } = [];

    public IReadOnlyList<NumericProfile> Numeric { get; init; } = [];

    public IReadOnlyList<CategoryProfile> Categorical { get; init; } = [];

    /// <summary>The model's predicted scores on the training rows (null when none could be computed).</summary>
    public NumericProfile? Predictions { get; init; }

    /// <summary>Compute the profile of <paramref name="version"/> from its raw training rows, scored with <paramref name="scorer"/>.</summary>
    public static ReferenceProfile Build(Table trainingRows, ModelVersion version, ModelScorer scorer, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(trainingRows);
        var predictions = scorer.Score(WindowColumns.ToScoringInput(trainingRows, scorer.Signature));
        return Build(trainingRows, version, PredictionScores(predictions), clock);
    }

    /// <summary>Compute the profile from raw training rows and already computed prediction scores (one per row).</summary>
    public static ReferenceProfile Build(Table trainingRows, ModelVersion version, double[]? predictedScores, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(trainingRows);
        ArgumentNullException.ThrowIfNull(version);
        if (trainingRows.RowCount == 0)
            throw new MlOpsException($"No training rows to profile '{version.Model}' v{version.Version} with. Give the rows the model was trained on.");
        var numeric = new List<NumericProfile>();
        var categorical = new List<CategoryProfile>();
        foreach (var column in version.Signature)
        {
            if (!trainingRows.TryGetColumn(column.Name, out var data))
                throw new MlOpsException(
                    $"The training rows lack the input column '{column.Name}' of '{version.Model}' v{version.Version}. Profile it from the data it was trained on.");
            if (column.Type == "number")
            {
                var (values, nulls, _) = WindowColumns.Numbers(data);
                numeric.Add(NumericProfile.From(column.Name, values, nulls));
            }
            else
            {
                categorical.Add(CategoryProfile.From(column.Name, WindowColumns.Categories(data)));
            }
        }
        return new ReferenceProfile
        {
            Model = version.Model,
            Version = version.Version,
            Task = version.Task,
            Rows = trainingRows.RowCount,
            CreatedAt = (clock ?? TimeProvider.System).GetUtcNow(),
            DataColumns = version.Data?.Columns.Select(c => c.Name).ToList() is { Count: > 0 } all ? all : trainingRows.ColumnNames.ToList(),
            Numeric = numeric,
            Categorical = categorical,
            Predictions = predictedScores is { Length: > 0 } ? NumericProfile.From("prediction", predictedScores, 0) : null,
        };
    }

    /// <summary>The one number per prediction whose distribution is monitored (see the type's summary).</summary>
    public static double[] PredictionScores(IReadOnlyList<Prediction> predictions) =>
        predictions.Select(p => p.Probability ?? p.Score ?? (p.Scores is { Count: > 0 } s ? s.Values.Max() : double.NaN)).ToArray();

    public string ToJson() => MonitoringJson.Write(this);

    public static ReferenceProfile FromJson(string json) => MonitoringJson.Read<ReferenceProfile>(json);
}

/// <summary>Reference statistics of one numeric column (missing cells excluded from all but <see cref="NullRate"/>).</summary>
public sealed record NumericProfile
{
    public required string Column { get; init; }

    /// <summary>Inner bin edges (ascending, distinct): bins are (-∞, e0], (e0, e1], ..., (e_last, ∞).</summary>
    public double[] Edges { get; init; } = [];

    /// <summary>Reference rows per bin (Edges.Length + 1 entries).</summary>
    public long[] Counts { get; init; } = [];

    /// <summary>Sorted values (all, or <see cref="ReferenceProfile.MaxSample"/> evenly spaced order statistics) for KS.</summary>
    public double[] Sample { get; init; } = [];

    public long Present { get; init; }

    public double Mean { get; init; }

    public double Std { get; init; }

    public double Min { get; init; }

    public double Max { get; init; }

    public double NullRate { get; init; }

    public static NumericProfile From(string column, ReadOnlySpan<double> values, long nulls)
    {
        var present = new List<double>(values.Length);
        foreach (var v in values) if (!double.IsNaN(v)) present.Add(v);
        var sorted = present.ToArray();
        Array.Sort(sorted);
        var n = sorted.Length;
        // Decile edges from the empirical quantiles; ties (ranks, counts) collapse into fewer, distinct edges.
        var edges = new SortedSet<double>();
        for (var q = 1; q < ReferenceProfile.Bins && n > 0; q++)
            edges.Add(sorted[Math.Min(n - 1, (int)Math.Ceiling(q * n / (double)ReferenceProfile.Bins) - 1)]);
        var edgeArray = edges.ToArray();
        var counts = new long[edgeArray.Length + 1];
        foreach (var v in sorted) counts[DriftStatistics.Bin(edgeArray, v)]++;
        double mean = n == 0 ? double.NaN : sorted.Average();
        double variance = n < 2 ? 0 : sorted.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        double[] sample;
        if (n <= ReferenceProfile.MaxSample)
            sample = sorted;
        else
        {
            sample = new double[ReferenceProfile.MaxSample];
            for (var i = 0; i < sample.Length; i++)
                sample[i] = sorted[(int)((i + 0.5) * n / sample.Length)];
        }
        var total = n + nulls;
        return new NumericProfile
        {
            Column = column, Edges = edgeArray, Counts = counts, Sample = sample, Present = n,
            Mean = mean, Std = Math.Sqrt(variance), Min = n == 0 ? double.NaN : sorted[0], Max = n == 0 ? double.NaN : sorted[^1],
            NullRate = total == 0 ? 0 : (double)nulls / total,
        };
    }
}

/// <summary>Reference statistics of one categorical column: rows per category (trimmed text, as featurize reads it).</summary>
public sealed record CategoryProfile
{
    public required string Column { get; init; }

    public IReadOnlyDictionary<string, long> Counts { get; init; } = new Dictionary<string, long>();

    public long Present { get; init; }

    public double NullRate { get; init; }

    public static CategoryProfile From(string column, (Dictionary<string, long> Counts, long Nulls) data)
    {
        var present = data.Counts.Values.Sum();
        var total = present + data.Nulls;
        return new CategoryProfile
        {
            Column = column,
            Counts = new SortedDictionary<string, long>(data.Counts, StringComparer.Ordinal),
            Present = present,
            NullRate = total == 0 ? 0 : (double)data.Nulls / total,
        };
    }
}
