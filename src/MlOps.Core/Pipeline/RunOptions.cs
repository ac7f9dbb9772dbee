using System.Globalization;
using MlOps.Data;

namespace MlOps.Pipeline;

/// <summary>
/// The options of `experiment run` as every surface takes them (the CLI's `mlops experiment run`, the notebook's
/// `#!experiment run`). The one place that maps options to parameter keys, so the surfaces cannot drift apart.
/// </summary>
public sealed record RunOptions
{
    public required string Name { get; init; }

    public string? Data { get; init; }

    public string? Label { get; init; }

    public string? Features { get; init; }

    public string? Categorical { get; init; }

    public string? Filter { get; init; }

    public string? Trainer { get; init; }

    public string? Task { get; init; }

    public string? SplitBy { get; init; }

    public double? TestFraction { get; init; }

    public int? Seed { get; init; }

    /// <summary>A params file (YAML or JSON) read before the options.</summary>
    public string? ParamsFile { get; init; }

    public IReadOnlyList<string> Sets { get; init; } = [];

    public bool Force { get; init; }

    public bool FeatureImportance { get; init; }

    public int? Parallel { get; init; }

    /// <summary>Option name to parameter key: what the help texts and the README table say.</summary>
    public static IReadOnlyDictionary<string, string> ParamKeys { get; } = new Dictionary<string, string>
    {
        ["--data"] = "data.path",
        ["--label"] = "featurize.label",
        ["--features"] = "featurize.features",
        ["--categorical"] = "featurize.categorical",
        ["--filter"] = "featurize.filter",
        ["--trainer"] = "train.trainer",
        ["--task"] = "train.task",
        ["--split-by"] = "split.by",
        ["--test-fraction"] = "split.test_fraction",
        ["--seed"] = "seed",
        ["--feature-importance"] = "evaluate.feature_importance",
    };

    /// <summary>
    /// The params file (when given) under <paramref name="baseParams"/>, then the options on top; --set is applied
    /// later by the engine, so it wins over both.
    /// </summary>
    public ParamSet ToParams(ParamSet? baseParams = null)
    {
        var p = baseParams ?? new ParamSet();
        if (ParamsFile is { } file)
            p = baseParams is null ? ParamSet.Load(file) : p.WithAll(ParamSet.Load(file).Values);
        var fromOptions = new Dictionary<string, string?>
        {
            ["--data"] = Data,
            ["--label"] = Label,
            ["--features"] = Features,
            ["--categorical"] = Categorical,
            ["--filter"] = Filter,
            ["--trainer"] = Trainer,
            ["--task"] = Task,
            ["--split-by"] = SplitBy,
            ["--test-fraction"] = TestFraction?.ToString(CultureInfo.InvariantCulture),
            ["--seed"] = Seed?.ToString(CultureInfo.InvariantCulture),
            ["--feature-importance"] = FeatureImportance ? "true" : null,
        };
        return p.WithAll(fromOptions.Where(kv => kv.Value is not null).Select(kv => KeyValuePair.Create(ParamKeys[kv.Key], kv.Value!)));
    }

    /// <summary>The engine request; <paramref name="data"/> is an in-memory table that replaces data.path.</summary>
    public ExperimentRequest ToRequest(string source, Table? data = null, CustomSteps? code = null) => new()
    {
        Name = Name,
        Params = ToParams(),
        Sets = Sets,
        Force = Force,
        Data = data,
        Code = code,
        MaxParallel = Parallel ?? Environment.ProcessorCount,
        Source = source,
    };
}
