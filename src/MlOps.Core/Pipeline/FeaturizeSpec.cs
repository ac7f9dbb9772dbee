namespace MlOps.Pipeline;

/// <summary>The featurize stage's settings, resolved from the parameters (featurize.*).</summary>
public sealed record FeaturizeSpec
{
    /// <summary>A column name or a C# expression (world_rank &lt; 50).</summary>
    public required string Label { get; init; }

    /// <summary>Explicit feature columns in order; empty = every usable column.</summary>
    public IReadOnlyList<string> Features { get; init; } = [];

    public IReadOnlyList<string> Categorical { get; init; } = [];

    /// <summary>Keep only the first N features (the published max_features); 0 = all.</summary>
    public int MaxFeatures { get; init; }

    public string? Filter { get; init; }

    /// <summary>New numeric columns from expressions, in order (name -> expression).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Derive { get; init; } = [];

    /// <summary>median (default) | mean | zero | drop.</summary>
    public string Missing { get; init; } = "median";

    /// <summary>label (one code per category, as the published use case) | onehot.</summary>
    public string Encoding { get; init; } = "label";

    /// <summary>Forced task; null = inferred from the label.</summary>
    public Training.MlTask? Task { get; init; }

    /// <summary>Column whose values are kept with the features so the split stage can split by it.</summary>
    public string? SplitBy { get; init; }

    public static FeaturizeSpec From(ParamSet p, string dataName)
    {
        var features = p.GetList("featurize.features." + dataName);
        if (features.Count == 0)
            features = p.GetList("featurize.features");
        var spec = new FeaturizeSpec
        {
            Label = p.GetString("featurize.label") is { Length: > 0 } label
                ? label
                : throw new MlOpsException("No label given. Name the label column or expression with --label (e.g. --label \"world_rank < 50\") or featurize.label in the params file."),
            Features = features,
            Categorical = p.GetList("featurize.categorical"),
            MaxFeatures = p.GetInt("featurize.max_features", 0),
            Filter = p.GetString("featurize.filter") is { Length: > 0 } filter ? filter : null,
            Derive = p.KeysUnder("featurize.derive.").Select(k => KeyValuePair.Create(k["featurize.derive.".Length..], p.GetString(k))).ToList(),
            Missing = p.GetString("featurize.missing", "median").ToLowerInvariant(),
            Encoding = p.GetString("featurize.encoding", "label").ToLowerInvariant(),
            Task = p.GetString("train.task") is { Length: > 0 } task ? Training.MlTaskNames.Parse(task) : null,
            SplitBy = p.GetString("split.by") is { Length: > 0 } by ? by : null,
        };
        if (spec.Missing is not ("median" or "mean" or "zero" or "drop"))
            throw new MlOpsException($"featurize.missing is '{spec.Missing}'. Use median, mean, zero or drop.");
        if (spec.Encoding is not ("label" or "onehot"))
            throw new MlOpsException($"featurize.encoding is '{spec.Encoding}'. Use label or onehot.");
        if (spec.MaxFeatures < 0)
            throw new MlOpsException($"featurize.max_features is {spec.MaxFeatures}. Use 0 (all) or a positive number.");
        return spec;
    }
}
