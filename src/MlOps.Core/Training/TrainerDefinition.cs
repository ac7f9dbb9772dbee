using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MlOps.Training;

/// <summary>
/// One trainer of one task: its user-facing options (discovered from the ML.NET Options class) and how to build
/// a seeded estimator from them. Obtain instances from <see cref="TrainerCatalog"/>.
/// </summary>
public sealed class TrainerDefinition
{
    /// <summary>Alias accepted for the number of trees/boosting rounds (the name used by the published use case).</summary>
    public const string TreesAlias = "n_est";

    internal const string BinaryTrainerOption = "binaryTrainer";
    internal const string UseProbabilitiesOption = "useProbabilities";

    private readonly Type? _optionsType;
    private readonly Func<MLContext, object, IEstimator<ITransformer>>? _build;
    private readonly IReadOnlyList<TrainerOption> _options;
    private readonly bool _isOneVersusAll;

    private TrainerDefinition(string name, MlTask task, Type? optionsType, Func<MLContext, object, IEstimator<ITransformer>>? build,
        IReadOnlyList<TrainerOption> options, bool isOneVersusAll)
    {
        Name = name;
        Task = task;
        _optionsType = optionsType;
        _build = build;
        _options = options;
        _isOneVersusAll = isOneVersusAll;
    }

    public string Name { get; }

    public MlTask Task { get; }

    /// <summary>
    /// camelCase option names as users write them. For OneVersusAll: binaryTrainer, useProbabilities and the
    /// options of the default binary trainer (options of another binaryTrainer are accepted when it is chosen).
    /// </summary>
    // Lazy: OneVersusAll's list needs the catalog, which is still being built when this definition is.
    public IReadOnlyList<string> OptionNames => _optionNames ??= _isOneVersusAll
        ? [BinaryTrainerOption, UseProbabilitiesOption, .. DefaultOvaBinary.OptionNames]
        : _options.Select(o => o.Name).Order(StringComparer.Ordinal).ToArray();

    private IReadOnlyList<string>? _optionNames;

    /// <summary>
    /// OneVersusAll's binary trainer when the user does not choose one: FastTree, because trees need no feature
    /// scaling and fit non-linear boundaries; on small data K boosted models train in about a second.
    /// </summary>
    internal static TrainerDefinition DefaultOvaBinary => TrainerCatalog.Find(MlTask.Binary, "FastTree");

    internal static TrainerDefinition ForOptions<TOptions>(string name, MlTask task, Func<MLContext, TOptions, IEstimator<ITransformer>> build)
        where TOptions : class, new()
    {
        var options = TrainerOption.Discover(typeof(TOptions), o => o).ToList();
        // LightGbm keeps regularization, depth and sampling in a nested booster object; users expect them flat.
        var booster = typeof(TOptions).GetProperty("Booster");
        if (booster is not null)
        {
            var boosterOptions = TrainerOption.Discover(typeof(Microsoft.ML.Trainers.LightGbm.GradientBooster.Options), o =>
            {
                var b = booster.GetValue(o);
                if (b is null)
                {
                    b = new Microsoft.ML.Trainers.LightGbm.GradientBooster.Options();
                    booster.SetValue(o, b);
                }
                return b;
            });
            options.AddRange(boosterOptions.Where(b => options.All(o => o.Name != b.Name)));
        }
        return new TrainerDefinition(name, task, typeof(TOptions), (ml, o) => build(ml, (TOptions)o), options, isOneVersusAll: false);
    }

    internal static TrainerDefinition OneVersusAll()
        => new("OneVersusAll", MlTask.Multiclass, optionsType: null, build: null, options: [], isOneVersusAll: true);

    /// <summary>
    /// Checks every option name and value; returns canonical names (camelCase) mapped to canonical values.
    /// Throws <see cref="MlOpsException"/> naming the bad option, the value and what is expected.
    /// </summary>
    public IReadOnlyDictionary<string, string> Validate(IReadOnlyDictionary<string, string> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ValidateParsed(options).ToDictionary(p => p.Key, p => TrainerOption.Format(p.Value.Value));
    }

    // Canonical name -> (option, parsed value). The option is null for OneVersusAll's own binaryTrainer entry.
    private Dictionary<string, (TrainerOption? Option, object? Value)> ValidateParsed(IReadOnlyDictionary<string, string> options)
    {
        var result = new Dictionary<string, (TrainerOption?, object?)>(StringComparer.Ordinal);
        var given = new Dictionary<string, string>(StringComparer.Ordinal); // canonical name -> name as given
        IReadOnlyList<TrainerOption> available = _options;

        if (_isOneVersusAll)
        {
            var binary = DefaultOvaBinary;
            var chosen = options.Where(p => NameSuggestion.Key(p.Key) == NameSuggestion.Key(BinaryTrainerOption)).ToList();
            if (chosen.Count > 1)
                throw new MlOpsException($"Trainer OneVersusAll option {BinaryTrainerOption} is given twice ('{chosen[0].Key}' and '{chosen[1].Key}'). Keep one.");
            if (chosen.Count == 1)
            {
                binary = TrainerCatalog.TryFind(MlTask.Binary, chosen[0].Value.Trim())
                    ?? throw new MlOpsException(
                        $"Trainer OneVersusAll option {BinaryTrainerOption}='{chosen[0].Value}' is not a binary trainer. " +
                        $"Valid values: {string.Join(", ", TrainerCatalog.Names(MlTask.Binary))}.");
                result[BinaryTrainerOption] = (null, binary.Name);
                given[BinaryTrainerOption] = chosen[0].Key;
            }
            available = [.. binary._options, .. OvaOwnOptions];
        }

        var byKey = available.ToDictionary(o => NameSuggestion.Key(o.Name));
        var treesOption = available.Select(o => o.Name).FirstOrDefault(n => n is "numberOfTrees" or "numberOfIterations");

        foreach (var (rawName, rawValue) in options)
        {
            var key = NameSuggestion.Key(rawName);
            if (_isOneVersusAll && key == NameSuggestion.Key(BinaryTrainerOption)) continue;

            if (key == NameSuggestion.Key(TreesAlias) && treesOption is not null) key = NameSuggestion.Key(treesOption);
            if (!byKey.TryGetValue(key, out var option))
                throw UnknownOption(rawName, available, treesOption);

            if (given.TryGetValue(option.Name, out var earlier))
                throw new MlOpsException($"Trainer {Name} option {option.Name} is given twice ('{earlier}' and '{rawName}'). Keep one.");
            if (!option.TryParse(rawValue ?? "", out var value))
                throw new MlOpsException(
                    $"Trainer {Name} option {option.Name}='{rawValue}' is not valid: expected {option.TypeDescription}. " +
                    $"Set it as --set train.{option.Name}=<value> (or in the params file), or leave it out for ML.NET's default.");
            given[option.Name] = rawName;
            result[option.Name] = (option, value);
        }
        return result;
    }

    private MlOpsException UnknownOption(string rawName, IReadOnlyList<TrainerOption> available, string? treesOption)
    {
        if (TrainerOption.SeedMembers.Contains(NameSuggestion.Key(rawName)))
            return new MlOpsException(
                $"Trainer {Name} takes its seed from the run seed, so '{rawName}' cannot be set as a trainer option. Set the run's seed instead.");
        var names = available.Select(o => o.Name).Order(StringComparer.Ordinal).ToList();
        if (_isOneVersusAll) names.Insert(0, BinaryTrainerOption);
        var message = $"Trainer {Name} has no option '{rawName}'. Valid options: {string.Join(", ", names)}";
        if (treesOption is not null) message += $" ({TreesAlias} is accepted for {treesOption})";
        message += ".";
        var suggestion = NameSuggestion.Closest(rawName, names);
        if (suggestion is not null) message += $" Did you mean {suggestion}?";
        return new MlOpsException(message);
    }

    /// <summary>
    /// A ready-to-fit estimator: options applied, the trainer's own seed set to <paramref name="seed"/> and, for
    /// multiclass, wrapped as MapValueToKey(Label) → trainer → MapKeyToValue(PredictedLabel) so predictions are
    /// the original class names. Create <paramref name="ml"/> with the same seed: SDCA's shuffling and
    /// permutation importance draw from the context's random source. Linear trainers get a feature normalizer first.
    /// </summary>
    public IEstimator<ITransformer> CreateEstimator(MLContext ml, IReadOnlyDictionary<string, string> options, int seed)
    {
        ArgumentNullException.ThrowIfNull(ml);
        var parsed = ValidateParsed(options ?? new Dictionary<string, string>());
        var trainer = CreateTrainer(ml, parsed, seed);
        // SDCA and L-BFGS are linear: on raw columns (counts in the hundreds beside ratios near 1) SDCA regression
        // diverged and logistic regression stalled, so they see standardized features (ML.NET's advice for
        // them). Trees split on thresholds and need no scaling. The normalizer is saved inside the model.
        var learner = !_isOneVersusAll ? Name : parsed.TryGetValue(BinaryTrainerOption, out var b) ? (string)b.Value! : DefaultOvaBinary.Name;
        if (IsLinear(learner))
            trainer = ml.Transforms.NormalizeMeanVariance("Features", fixZero: false).Append(trainer);
        if (Task != MlTask.Multiclass) return trainer;
        return ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(trainer)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
    }

    private static bool IsLinear(string trainer) =>
        trainer.StartsWith("Sdca", StringComparison.Ordinal) || trainer.StartsWith("Lbfgs", StringComparison.Ordinal);

    private IEstimator<ITransformer> CreateTrainer(MLContext ml, Dictionary<string, (TrainerOption? Option, object? Value)> parsed, int seed)
    {
        if (_isOneVersusAll) return CreateOneVersusAll(ml, parsed, seed);

        var options = Activator.CreateInstance(_optionsType!)!;
        ApplyReproducibilityDefaults(options, parsed, seed);
        foreach (var (option, value) in parsed.Values)
            option!.Apply(options, value);
        return _build!(ml, options);
    }

    private void ApplyReproducibilityDefaults(object options, Dictionary<string, (TrainerOption? Option, object? Value)> parsed, int seed)
    {
        // Tree trainers carry their own Seed (default 123) and ignore MLContext's: without this, FastForest's
        // bagging and feature sampling would be identical for every run seed. FeatureSelectionSeed drives
        // featureFraction sampling.
        foreach (var name in TrainerOption.SeedMembers)
        {
            var member = (MemberInfo?)_optionsType!.GetField(name) ?? _optionsType.GetProperty(name);
            switch (member)
            {
                case FieldInfo f: f.SetValue(options, seed); break;
                case PropertyInfo p: p.SetValue(options, seed); break;
            }
        }

        // LightGBM is only run-to-run stable with deterministic=true and a fixed histogram layout (its docs:
        // otherwise it picks row- or column-wise by timing). The user can still override either.
        if (_optionsType!.GetField("Deterministic") is { } deterministic && !parsed.ContainsKey("deterministic"))
            deterministic.SetValue(options, true);
        if (_optionsType.GetField("ForceColumnWise") is { } colWise
            && !parsed.ContainsKey("forceColumnWise") && !(parsed.TryGetValue("forceRowWise", out var rowWise) && rowWise.Value is true))
            colWise.SetValue(options, true);

        // SDCA's threads update shared weights lock-free; ML.NET documents that determinism is then not
        // guaranteed. One thread makes runs reproducible and costs little at this engine's data sizes
        // (numberOfThreads overrides). L-BFGS and the tree trainers are deterministic with threads.
        if (Name.StartsWith("Sdca", StringComparison.Ordinal) && !parsed.ContainsKey("numberOfThreads")
            && _optionsType.GetField("NumberOfThreads") is { } threads)
            threads.SetValue(options, (int?)1);
    }

    private static IReadOnlyList<TrainerOption> OvaOwnOptions { get; } = TrainerOption
        .Discover(typeof(OvaOptions), o => o)
        .ToArray();

    /// <summary>OneVersusAll's own settings, in the shape <see cref="TrainerOption.Discover"/> understands.</summary>
    private sealed class OvaOptions
    {
        public bool UseProbabilities = true;
    }

    private static IEstimator<ITransformer> CreateOneVersusAll(MLContext ml, Dictionary<string, (TrainerOption? Option, object? Value)> parsed, int seed)
    {
        var binary = parsed.TryGetValue(BinaryTrainerOption, out var b) ? TrainerCatalog.Find(MlTask.Binary, (string)b.Value!) : DefaultOvaBinary;
        var own = new OvaOptions();
        var binaryParsed = new Dictionary<string, (TrainerOption?, object?)>(StringComparer.Ordinal);
        foreach (var (name, entry) in parsed)
        {
            if (name == BinaryTrainerOption) continue;
            if (OvaOwnOptions.Contains(entry.Option)) entry.Option!.Apply(own, entry.Value);
            else binaryParsed[name] = entry;
        }
        var binaryEstimator = binary.CreateTrainer(ml, binaryParsed, seed);

        // OneVersusAll<TModel> is generic over the binary model type, which only the built estimator knows.
        var estimatorInterface = binaryEstimator.GetType().GetInterfaces().First(i =>
            i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ITrainerEstimator<,>)
            && i.GetGenericArguments()[0].IsGenericType
            && i.GetGenericArguments()[0].GetGenericTypeDefinition() == typeof(BinaryPredictionTransformer<>));
        var modelType = estimatorInterface.GetGenericArguments()[1];
        var method = typeof(StandardTrainersCatalog).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(m => m.Name == nameof(StandardTrainersCatalog.OneVersusAll) && m.IsGenericMethodDefinition)
            .MakeGenericMethod(modelType);
        return (IEstimator<ITransformer>)method.Invoke(null,
        [
            ml.MulticlassClassification.Trainers, binaryEstimator, "Label", false,
            (IEstimator<ISingleFeaturePredictionTransformer<ICalibrator>>?)null, 1_000_000_000, own.UseProbabilities,
        ])!;
    }

    public override string ToString() => $"{Task.ToName()}/{Name}";
}
