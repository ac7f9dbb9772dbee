using MlOps.Pipeline;
using MlOps.Tracking;

namespace MlOps.Registry;

/// <summary>
/// The model registry engine (what MLflow's registry does, plus gates that can block a bad model): register runs
/// as numbered versions of a named model, move versions between stages through their gates, roll back, and read
/// the audit trail. Every surface (CLI, notebook, API) goes through here; the store only keeps records.
/// </summary>
public sealed class ModelRegistry
{
    // A promotion re-runs its gates when another writer changed the model between the gates and the write.
    // Each lost compare-and-set means another promotion won, so N racing promoters need at most N attempts; this many
    // covers a team's CI and people promoting at once, and still ends a pathological loop.
    private const int MaxAttempts = 32;

    private readonly IRunStore _runs;
    private readonly IModelRegistryStore _models;
    private readonly TimeProvider _clock;
    private readonly Func<string> _actor;
    private readonly GateEvaluator _gates;

    public ModelRegistry(IRunStore runs, IModelRegistryStore models, RegistryEventHub? events = null, GateFile? gates = null,
        TimeProvider? clock = null, Func<string>? actor = null)
    {
        _runs = runs;
        _models = models;
        Events = events ?? RegistryEventHub.Shared;
        GateFile = gates ?? GateFile.Empty;
        _clock = clock ?? TimeProvider.System;
        _actor = actor ?? RegistryActor.Current;
        _gates = new GateEvaluator(runs);
    }

    /// <summary>A registry over a store that keeps both runs and models (every store --store opens does).</summary>
    public static ModelRegistry Over(IRunStore store, RegistryEventHub? events = null, GateFile? gates = null) =>
        new(store, store as IModelRegistryStore ?? throw new MlOpsException(
            $"The store at {store.Location} keeps runs but not registered models. Open it with --store (a folder or a postgres:// URL): those stores keep both."), events, gates);

    public RegistryEventHub Events { get; }

    /// <summary>The declared gates per model (empty: the default gates only).</summary>
    public GateFile GateFile { get; }

    // ---- Register ----

    /// <summary>
    /// Register a finished run's model as the next version of <paramref name="model"/>. A run already registered under
    /// the model is refused, unless <paramref name="reuse"/>: then that version is answered (nothing written, no
    /// event), so a notebook or pipeline that re-runs on the same store gets the same version instead of failing.
    /// </summary>
    public ModelVersion Register(string runIdOrPrefix, string model, string? description = null, bool reuse = false) =>
        Register(runIdOrPrefix, model, description, reuse, out _);

    /// <inheritdoc cref="Register(string, string, string?, bool)"/>
    /// <param name="reused">Whether an existing version was answered instead of a new one.</param>
    public ModelVersion Register(string runIdOrPrefix, string model, string? description, bool reuse, out bool reused)
    {
        reused = false;
        RegistryNames.ValidateModel(model);
        if (string.IsNullOrWhiteSpace(runIdOrPrefix))
            throw new MlOpsException("Registering needs a run. Give its id with --run (see `mlops experiment list`), or use --best --experiment <name>.");
        var run = _runs.FindRun(runIdOrPrefix) ?? throw new MlOpsException(
            $"No run '{RegistryNames.Printable(runIdOrPrefix)}' in the store at {_runs.Location}. List runs with `mlops experiment list` and give an id (or a unique prefix of 4+ characters).");
        if (run.Status != RunStatus.Finished)
            throw new MlOpsException(
                $"Run {run.Id} is {run.Status.ToString().ToLowerInvariant()}, and only finished runs can be registered" +
                (run.Error is { } error ? $" (it failed: {error})" : "") + ". Register a finished run of the experiment instead.");
        if (run.Model is null)
            throw new MlOpsException($"Run {run.Id} has no model artifact to register. Re-run the experiment so the run stores its model.");
        // The artifact must be intact now: a registered version promises a model that loads.
        using (_runs.Artifacts.OpenVerified(run.Model)) { }
        if (reuse && _models.ListVersions(model).FirstOrDefault(v => v.RunId == run.Id) is { } existing)
        {
            reused = true;
            return existing;
        }

        var version = _models.AddVersion(new ModelVersion
        {
            Model = model,
            RunId = run.Id,
            Experiment = run.Experiment,
            Task = run.Task,
            Trainer = run.Trainer,
            Artifact = run.Model,
            Featurizer = run.Featurizer,
            FeaturizerCodeHash = run.FeaturizerCodeHash,
            Signature = run.Signature,
            Metrics = run.Metrics,
            Params = run.Params,
            Data = run.Data,
            Description = description ?? "",
            CreatedAt = _clock.GetUtcNow(),
            CreatedBy = _actor(),
        });
        Events.Publish(new ModelVersionRegistered(version));
        return version;
    }

    /// <summary>Register the best finished run of an experiment by a metric (default: the task's primary metric).</summary>
    public ModelVersion RegisterBest(string experiment, string? metric, string model, string? description = null, bool reuse = false) =>
        RegisterBest(experiment, metric, model, description, reuse, out _);

    /// <inheritdoc cref="RegisterBest(string, string?, string, string?, bool)"/>
    public ModelVersion RegisterBest(string experiment, string? metric, string model, string? description, bool reuse, out bool reused)
    {
        RegistryNames.ValidateModel(model);
        if (string.IsNullOrWhiteSpace(experiment))
            throw new MlOpsException("--best needs --experiment <name>: the best run is chosen within one experiment.");
        var best = new Experiments(_runs).Best(experiment, metric) ?? throw new MlOpsException(
            $"Experiment '{RegistryNames.Printable(experiment)}' has no finished run in the store at {_runs.Location}. Run it first (`mlops experiment run --name {experiment} ...`) or check the name with `mlops experiment list`.");
        if (metric is not null && !best.Metrics.ContainsKey(metric))
            throw new MlOpsException(
                $"No finished run of '{experiment}' has the metric '{metric}'. Its metrics are: {string.Join(", ", best.Metrics.Keys.Order(StringComparer.Ordinal))}. Fix --metric.");
        return Register(best.Id, model, description, reuse, out reused);
    }

    // ---- Promote / rollback / gate ----

    /// <summary>
    /// Move a version to a stage. Staging and Production run the gates first and refuse on any failure (the
    /// refused attempt is recorded as a gate run). Production displaces the current Production version.
    /// </summary>
    public PromotionResult Promote(string model, int version, ModelStage stage, string reason, PromotionOptions? options = null) =>
        Change(model, version, stage, reason, options ?? new PromotionOptions(), "promote", compareWithProduction: true);

    /// <summary>Put the version that was in Production before the current one back in Production (smoke-tested, not compared).</summary>
    public PromotionResult Rollback(string model, string reason)
    {
        RegistryNames.ValidateModel(model);
        var current = Production(model);
        var previous = History(model).Where(t => t.To == ModelStage.Production && t.Version != current?.Version).LastOrDefault()
            ?? throw new MlOpsException(
                $"Model '{model}' has no earlier Production version to roll back to{(current is null ? "" : $" (v{current.Version} is the only one it ever had)")}. " +
                "Promote a version with `mlops promote --stage Production` instead.");
        return Change(model, previous.Version, ModelStage.Production, reason, new PromotionOptions(), "rollback", compareWithProduction: false);
    }

    /// <summary>Run a version's gates toward a stage without changing anything but the gate-run record (for CI).</summary>
    public IReadOnlyList<GateResult> CheckGates(string model, int version, ModelStage target = ModelStage.Production, PromotionOptions? options = null)
    {
        options ??= new PromotionOptions();
        var candidate = Version(model, version);
        var results = Evaluate(candidate, Production(model), Thresholds(model, options), options, compareWithProduction: true);
        Record(candidate, target, "gate", results);
        return results;
    }

    private PromotionResult Change(string model, int version, ModelStage stage, string reason, PromotionOptions options, string purpose, bool compareWithProduction)
    {
        RegistryNames.ValidateModel(model);
        if (stage == ModelStage.None)
            throw new MlOpsException("A version cannot be moved back to stage None. Use --stage Archived to retire it.");
        if (stage == ModelStage.Production && string.IsNullOrWhiteSpace(reason))
            throw new MlOpsException($"Moving a version to Production needs a reason for the audit trail. Give one with --reason \"...\".");
        var thresholds = Thresholds(model, options);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var candidate = Version(model, version);
            if (candidate.Stage == stage && options.IfNeeded)
                return new PromotionResult(candidate, stage, false, [], Unchanged: true);
            if (candidate.Stage == stage)
                throw new MlOpsException($"Version {version} of '{model}' is already in {stage}. Nothing to do; see `mlops models show {model}` " +
                    "(or pass --if-needed to accept a version already there, as a re-run does).");
            var production = Production(model);
            IReadOnlyList<GateResult> results = stage is ModelStage.Staging or ModelStage.Production
                ? Evaluate(candidate, production, thresholds, options, compareWithProduction)
                : [];
            if (results.Count > 0)
                Record(candidate, stage, purpose, results);
            if (results.Any(r => !r.Passed))
                return new PromotionResult(candidate, stage, false, results);

            var transition = new Transition
            {
                Model = model, Version = version, From = candidate.Stage, To = stage, At = _clock.GetUtcNow(), By = _actor(),
                Reason = reason ?? "", Gates = results,
            };
            var change = new StageChange
            {
                Transition = transition, ExpectedFrom = candidate.Stage, ExpectedProduction = production?.Version,
                DisplacedTo = options.KeepPrevious ? ModelStage.Staging : ModelStage.Archived,
            };
            if (!_models.TryChangeStage(change))
                continue; // another writer moved this model since the gates ran: judge again against what is there now
            var displaced = stage == ModelStage.Production && production is not null && production.Version != version ? production.Version : (int?)null;
            Events.Publish(new ModelVersionPromoted(transition, displaced));
            return new PromotionResult(Version(model, version), stage, true, results, displaced);
        }
        throw new MlOpsException($"Model '{model}' kept changing while version {version} was being promoted ({MaxAttempts} attempts). Retry when the other promotions have finished.");
    }

    private IReadOnlyList<MetricThreshold> Thresholds(string model, PromotionOptions options) =>
        [.. GateFile.For(model).Thresholds, .. options.ExtraGates.Select(MetricThreshold.Parse)];

    private IReadOnlyList<GateResult> Evaluate(ModelVersion candidate, ModelVersion? production, IReadOnlyList<MetricThreshold> thresholds,
        PromotionOptions options, bool compareWithProduction) =>
        _gates.Evaluate(candidate, production, GateFile.For(candidate.Model), thresholds, options.AcknowledgeSchemaChange, compareWithProduction);

    private void Record(ModelVersion candidate, ModelStage target, string purpose, IReadOnlyList<GateResult> results) =>
        _models.AddGateRun(new GateRun
        {
            Model = candidate.Model, Version = candidate.Version, Target = target, At = _clock.GetUtcNow(), By = _actor(), Purpose = purpose, Results = results,
        });

    // ---- Aliases ----

    /// <summary>Point an alias ("champion", "challenger", ...) at a version; it leaves any other version of the model.</summary>
    public ModelVersion SetAlias(string model, string alias, int version)
    {
        RegistryNames.ValidateAlias(alias);
        Version(model, version);
        _models.SetAlias(model, alias, version);
        return Version(model, version);
    }

    public void RemoveAlias(string model, string alias)
    {
        RegistryNames.ValidateAlias(alias);
        Versions(model);
        _models.SetAlias(model, alias, null);
    }

    public ModelVersion ByAlias(string model, string alias) =>
        Versions(model).FirstOrDefault(v => v.Aliases.Contains(alias, StringComparer.Ordinal))
        ?? throw new MlOpsException($"Model '{model}' has no version with the alias '{RegistryNames.Printable(alias)}'. See its aliases with `mlops models show {model}`.");

    // ---- Read ----

    public IReadOnlyList<ModelSummary> Models() => _models.ListModels();

    /// <summary>Every version of a model, oldest first; an unknown model is an error.</summary>
    public IReadOnlyList<ModelVersion> Versions(string model)
    {
        RegistryNames.ValidateModel(model);
        var versions = _models.ListVersions(model);
        if (versions.Count == 0)
            throw new MlOpsException(
                $"No model '{model}' in the registry at {_runs.Location}. List models with `mlops models list`, or register one with `mlops register --run <id> --model {model}`.");
        return versions;
    }

    public ModelVersion Version(string model, int version)
    {
        RegistryNames.ValidateModel(model);
        return _models.FindVersion(model, version) ?? throw new MlOpsException(
            $"Model '{model}' has no version {version}" + (Versions(model) is var all ? $" (its versions are {string.Join(", ", all.Select(v => v.Version))})" : "") +
            ". Give one of those with --version.");
    }

    public ModelVersion? Production(string model) => _models.ListVersions(RegistryNames.ValidateModel(model)).FirstOrDefault(v => v.Stage == ModelStage.Production);

    public IReadOnlyList<Transition> History(string model)
    {
        Versions(model);
        return _models.History(model);
    }

    /// <summary>Versions, history and gate runs of a model together (what `models show` presents).</summary>
    public RegisteredModel Describe(string model) => new(model, Versions(model), History(model), GateRuns(model));

    public IReadOnlyList<GateRun> GateRuns(string model, int? version = null) => _models.GateRuns(RegistryNames.ValidateModel(model), version);

    /// <summary>Lineage backwards: the run a version came from (params, featurizer code hash, data fingerprint).</summary>
    public Run RunOf(string model, int version)
    {
        var v = Version(model, version);
        return _runs.FindRun(v.RunId) ?? throw new MlOpsException($"Run {v.RunId} of '{model}' v{version} is no longer in the store; the version still carries its params, metrics and data fingerprint.");
    }

    /// <summary>Lineage backwards without failing on a deleted run: the version's own snapshot, plus its run when still stored.</summary>
    public ModelLineage Lineage(string model, int version)
    {
        var v = Version(model, version);
        return new ModelLineage(v, _runs.FindRun(v.RunId));
    }

    /// <summary>Lineage forwards: every registered version trained on data with this fingerprint (SHA-256 or a prefix of 8+).</summary>
    public IReadOnlyList<ModelVersion> TrainedOn(string dataSha256)
    {
        if (string.IsNullOrWhiteSpace(dataSha256) || dataSha256.Length < 8)
            throw new MlOpsException("Give the data fingerprint (SHA-256, or at least its first 8 characters) as shown by `mlops experiment show`.");
        return Models().SelectMany(m => _models.ListVersions(m.Name))
            .Where(v => v.Data?.Sha256.StartsWith(dataSha256, StringComparison.OrdinalIgnoreCase) == true).ToList();
    }
}
