namespace MlOps.Serving;

/// <summary>
/// Raw rows to score, as a caller sent them: column names and, per row, one cell per column. A cell is a
/// <see cref="string"/>, a <see cref="double"/>, a <see cref="bool"/> or null (missing). Wire formats (JSON, CSV)
/// convert into this so that every surface is validated the same way.
/// </summary>
public sealed record ScoringInput(IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows);

/// <summary>Input that does not fit the model's signature: a client error (HTTP 400), naming the column when there is one.</summary>
public sealed class ScoringInputException(string message, string? column = null) : MlOpsException(message)
{
    public string? Column { get; } = column;
}

/// <summary>
/// One row's prediction. Binary: <see cref="Label"/> is the predicted bool, <see cref="Probability"/> its calibrated
/// probability and <see cref="Score"/> the raw score. Multiclass: <see cref="Label"/> is the class and
/// <see cref="Scores"/> each class's score. Regression: <see cref="Label"/> and <see cref="Score"/> are the value.
/// </summary>
public sealed record Prediction(object Label, double? Score = null, double? Probability = null, IReadOnlyDictionary<string, double>? Scores = null);

public sealed record ScorerOptions
{
    /// <summary>Columns the signature does not name are ignored (MLflow clients often send whole frames) unless this is false.</summary>
    public bool AllowExtraColumns { get; init; } = true;

    /// <summary>Upper bound on pooled PredictionEngines (each holds buffers); callers beyond it wait for a free one.</summary>
    public int MaxEngines { get; init; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>
    /// Score tree ensembles (FastForest, FastTree, LightGbm) with a compiled copy that is checked against ML.NET when
    /// loaded and used only if it agrees; false keeps ML.NET's PredictionEngines for every row.
    /// </summary>
    public bool CompileTrees { get; init; } = true;

    /// <summary>Compiled trees small enough are scored through lookup tables (ForestTables); false walks them (tests of the walk).</summary>
    internal bool TreeTables { get; init; } = true;
}
