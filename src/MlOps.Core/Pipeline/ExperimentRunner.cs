using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using MlOps.Data;
using MlOps.Tracking;
using MlOps.Training;

namespace MlOps.Pipeline;

/// <summary>
/// Runs one experiment invocation: plans every variant of the sweep (load, validate, featurize, split — each
/// reused from the stage cache when its key is known), then trains and evaluates the variants in parallel.
/// Planning errors throw before any run is written; errors while training store the run as failed.
/// </summary>
internal sealed class ExperimentRunner
{
    private static readonly JsonSerializerOptions DetailsJson = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly IRunStore _store;
    private readonly TimeProvider _clock;
    private readonly ExperimentRequest _request;
    private readonly IProgress<RunProgress>? _progress;
    private readonly ConcurrentDictionary<string, Lazy<object>> _memo = new();

    // Stage outputs are written to the artifact store in the background while later stages run (a million-row
    // feature set costs a quarter of a second to hash and write). Their cache entries are saved together with
    // the run that produced them, in one transaction; a run is finished only once its outputs are stored.
    private readonly ConcurrentDictionary<string, Task<StageCacheEntry>> _entries = new();
    private readonly ConcurrentDictionary<string, bool> _saved = new();

    public ExperimentRunner(IRunStore store, TimeProvider clock, ExperimentRequest request, IProgress<RunProgress>? progress)
    {
        _store = store;
        _clock = clock;
        _request = request;
        _progress = progress;
    }

    public ExperimentResult Run(CancellationToken cancellation)
    {
        try
        {
            var grid = ParamOverrides.Expand(_request.Params, _request.Sets);
            var plans = new List<VariantPlan>();
            for (var i = 0; i < grid.Count; i++)
                plans.AddRange(Prepare(grid[i], i, grid.Count));

            // Raw tables are only needed while planning; dropping them keeps a large CSV's strings out of the
            // heap the trainers work in (a million rows of text is half a gigabyte the GC would keep walking).
            foreach (var key in _memo.Keys.Where(k => k.StartsWith("table:", StringComparison.Ordinal)))
                _memo.TryRemove(key, out _);

            var outcomes = new RunOutcome[plans.Count];
            Parallel.For(0, plans.Count,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Math.Min(_request.MaxParallel, plans.Count)), CancellationToken = cancellation },
                i => outcomes[i] = Execute(plans[i]));
            return new ExperimentResult(_request.Name, MarkBest(outcomes));
        }
        finally
        {
            // Never leave a write running past the call (the caller may close the store next), and keep the
            // outputs of stages that ran even when planning failed later: they are valid cache entries.
            foreach (var (key, entry) in _entries)
            {
                ((IAsyncResult)entry).AsyncWaitHandle.WaitOne();
                if (entry.IsCompletedSuccessfully && _saved.TryAdd(key, true))
                    _store.SaveStage(entry.Result);
            }
        }
    }

    /// <summary>Record a stage's result now and write its output in the background; the cache entry is saved once the output is stored.</summary>
    private StageCacheEntry Persist(StageCacheEntry entry, Func<ArtifactRef>? writeOutput = null)
    {
        _memo.TryAdd("done:" + entry.Key, new Lazy<object>(entry));
        _entries[entry.Key] = writeOutput is null ? Task.FromResult(entry) : Task.Run(() => entry with { Output = writeOutput() });
        return entry;
    }

    /// <summary>The cache entries this invocation produced for the given stages and has not saved yet (waits for their outputs).</summary>
    private List<StageCacheEntry> Unsaved(params string[] keys)
    {
        var result = new List<StageCacheEntry>();
        foreach (var key in keys)
            if (_entries.TryGetValue(key, out var entry) && !_saved.ContainsKey(key))
                result.Add(entry.GetAwaiter().GetResult());
        return result;
    }

    private void MarkSaved(IEnumerable<StageCacheEntry> entries)
    {
        foreach (var entry in entries)
            _saved[entry.Key] = true;
    }

    private static IReadOnlyList<RunOutcome> MarkBest(RunOutcome[] outcomes)
    {
        var finished = outcomes.Where(o => o.Run.Status == RunStatus.Finished).ToList();
        if (finished.Count == 0)
            return outcomes;
        var metric = TrainerCatalog.PrimaryMetric(MlTaskNames.Parse(finished[0].Run.Task));
        var higher = TrainerCatalog.HigherIsBetter(metric);
        var scored = finished.Where(o => o.Run.Metrics.TryGetValue(metric, out var v) && !double.IsNaN(v)).ToList();
        if (scored.Count == 0)
            return outcomes;
        var best = higher ? scored.MaxBy(o => o.Run.Metrics[metric]) : scored.MinBy(o => o.Run.Metrics[metric]);
        return outcomes.Select(o => ReferenceEquals(o, best) ? o with { IsBest = true } : o).ToList();
    }

    private T Memo<T>(string key, Func<T> compute) where T : class =>
        (T)_memo.GetOrAdd(key, _ => new Lazy<object>(() => compute(), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private StageCacheEntry? Cached(string key, bool needsOutput = true)
    {
        if (_memo.TryGetValue("done:" + key, out var done))
            return (StageCacheEntry)done.Value;
        if (_request.Force)
            return null;
        var entry = _store.FindStage(key);
        if (entry is null)
            return null;
        return !needsOutput || entry.Output is null || _store.Artifacts.Contains(entry.Output.Sha256) ? entry : null;
    }

    private void Report(int index, int count, string trainer, string stage, StageState state, TimeSpan elapsed, string? detail = null) =>
        _progress?.Report(new RunProgress(index + 1, count, trainer, stage, state, elapsed, detail));

    // ---- Planning: load -> validate -> featurize -> split, and trainer validation ----

    private IEnumerable<VariantPlan> Prepare(ParamSet p, int index, int count)
    {
        var started = _clock.GetUtcNow();
        var stages = new List<StageRecord>();
        var notes = new List<string>();
        var trainerName = p.GetString("train.trainer", "auto");

        var source = _request.Data is { } table
            ? Memo("source:table", () => DataSource.FromTable(table))
            : Memo("source:" + p.GetString("data.path") + "|" + p.GetString("data.file"), () => DataSource.FromParams(p, HashFile));

        // load: cached when its facts (rows, schema) are known; the table itself is read only if a later stage needs it.
        var loadKey = StageKeys.ForLoad(source.Hash);
        var loadEntry = Timed(index, count, trainerName, StageKeys.Load, stages, () => Cached(loadKey, needsOutput: false), e => e is not null,
            () => SaveLoadEntry(loadKey, Memo("table:" + loadKey, source.Load)));
        var fingerprint = new DataFingerprint(source.Hash, int.Parse(loadEntry.Facts["rows"], CultureInfo.InvariantCulture),
            JsonSerializer.Deserialize<List<SchemaColumn>>(loadEntry.Facts["schema"])!);
        if (loadEntry.Facts.TryGetValue("report", out var report) && report.Length > 0)
            notes.Add(report);

        // validate: the parameters against the schema, before any expensive work.
        var spec = FeaturizeSpec.From(p, source.Name);
        var splitSpec = SplitSpec.From(p);
        var codeHash = _request.Code?.CodeHash ?? "";
        var validateKey = StageKeys.ForValidate(loadKey, p, codeHash);
        Timed(index, count, trainerName, StageKeys.Validate, stages, () => Cached(validateKey, needsOutput: false), e => e is not null, () =>
        {
            Validate(spec, fingerprint, source);
            return Persist(new StageCacheEntry { Key = validateKey, Stage = StageKeys.Validate, CreatedAt = _clock.GetUtcNow() });
        });

        var featurizeKey = StageKeys.ForFeaturize(loadKey, p, source.Name, codeHash);
        var featurizeEntry = Timed(index, count, trainerName, StageKeys.Featurize, stages, () => Cached(featurizeKey), e => e is not null,
            () => Memo("featurize:" + featurizeKey, () => RunFeaturize(featurizeKey, spec, source, loadKey)).Entry);
        var task = MlTaskNames.Parse(featurizeEntry.Facts["task"]);
        var featurizerRef = JsonSerializer.Deserialize<ArtifactRef>(featurizeEntry.Facts["featurizer"])!;
        var fitted = Memo("fitted:" + featurizerRef.Sha256, () => FittedFeaturizer.FromJson(ReadText(featurizerRef)));
        if (featurizeEntry.Facts.TryGetValue("notes", out var featurizeNotes) && featurizeNotes.Length > 0)
            notes.AddRange(featurizeNotes.Split('\n'));

        var splitKey = StageKeys.ForSplit(featurizeKey, p);
        var splitEntry = Timed(index, count, trainerName, StageKeys.Split, stages, () => Cached(splitKey), e => e is not null,
            () => Memo("split:" + splitKey, () => RunSplit(splitKey, splitSpec, featurizeKey)).Entry);
        notes.Add($"split {splitSpec.Describe}: {splitEntry.Facts["train"]} train / {splitEntry.Facts["test"]} test rows");

        var seed = p.GetInt("seed", 42);
        var options = p.KeysUnder("train.").Where(k => k is not ("train.trainer" or "train.task"))
            .ToDictionary(k => k["train.".Length..], k => p.GetString(k), StringComparer.Ordinal);
        var auto = trainerName.Equals("auto", StringComparison.OrdinalIgnoreCase);
        if (auto && options.Count > 0)
            throw new MlOpsException(
                $"Trainer options ({string.Join(", ", options.Keys)}) cannot be combined with --trainer auto, since each candidate trainer has its own options. Pick a trainer, or drop the options.");
        var trainers = auto ? TrainerCatalog.AutoCandidates(task) : [trainerName];
        foreach (var name in trainers)
        {
            var trainer = TrainerCatalog.Find(task, name);
            var normalized = trainer.Validate(options);
            var trainKey = StageKeys.ForTrain(splitKey, task.ToName(), trainer.Name, normalized, seed);
            yield return new VariantPlan
            {
                Index = index, Count = count, Params = p.With("train.trainer", trainer.Name).With("train.task", task.ToName()),
                Task = task, Trainer = trainer, Options = normalized, Seed = seed,
                LoadKey = loadKey, ValidateKey = validateKey, FeaturizeKey = featurizeKey, SplitKey = splitKey, TrainKey = trainKey, EvaluateKey = StageKeys.ForEvaluate(trainKey, p),
                PreparedStages = stages, Data = fingerprint, FeaturizerArtifact = featurizerRef, Featurizer = fitted, Notes = notes,
                StartedAt = started, AutoGroup = auto ? $"auto-{index + 1}" : null,
            };
        }
    }

    /// <summary>Time one stage: use the cached value when <paramref name="isCached"/> says so, else compute it.</summary>
    private T Timed<T>(int index, int count, string trainer, string stage, List<StageRecord> stages, Func<T?> lookup, Func<T?, bool> isCached, Func<T> compute)
    {
        var watch = Stopwatch.StartNew();
        var found = lookup();
        if (isCached(found))
        {
            stages.Add(new StageRecord(stage, "", true, watch.Elapsed.TotalSeconds));
            Report(index, count, trainer, stage, StageState.Cached, watch.Elapsed);
            return found!;
        }
        Report(index, count, trainer, stage, StageState.Started, TimeSpan.Zero);
        var value = compute();
        stages.Add(new StageRecord(stage, "", false, watch.Elapsed.TotalSeconds));
        Report(index, count, trainer, stage, StageState.Finished, watch.Elapsed);
        return value;
    }

    // Files at least this big have their hash remembered by path, size and modification time (as DVC's state
    // database and git's index do): re-hashing gigabytes on every run would dominate a cached re-run.
    private const long RememberHashFrom = 8 << 20;

    private string HashFile(string path)
    {
        var info = new FileInfo(path);
        if (info.Length < RememberHashFrom)
            return Hashing.ContentHash.OfFile(path).Hex;
        var key = Hashing.ContentHash.Combine("file-hash/v1", info.FullName, info.Length.ToString(CultureInfo.InvariantCulture),
            info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Hex;
        if (_store.FindStage(key) is { } known && known.Facts.TryGetValue("sha256", out var sha))
            return sha;
        sha = Hashing.ContentHash.OfFile(path).Hex;
        _store.SaveStage(new StageCacheEntry
        {
            Key = key, Stage = "file-hash", CreatedAt = _clock.GetUtcNow(),
            Facts = new Dictionary<string, string> { ["sha256"] = sha, ["path"] = info.FullName },
        });
        return sha;
    }

    private StageCacheEntry SaveLoadEntry(string key, Table table)
    {
        var schema = table.Columns.Select(c => new SchemaColumn(c.Name, GuessType(c))).ToList();
        var r = table.Report;
        var report = r.IsClean ? "" : $"loaded {table.Name}: {r.RepairedCells} cells repaired, {r.SkippedRows} rows skipped" +
            (r.Notes.Count > 0 ? " (" + string.Join("; ", r.Notes.Take(3)) + ")" : "");
        var entry = new StageCacheEntry
        {
            Key = key, Stage = StageKeys.Load, CreatedAt = _clock.GetUtcNow(),
            Facts = new Dictionary<string, string>
            {
                ["rows"] = table.RowCount.ToString(CultureInfo.InvariantCulture),
                ["schema"] = JsonSerializer.Serialize(schema),
                ["report"] = report,
            },
        };
        return Persist(entry);
    }

    private static string GuessType(TableColumn column)
    {
        if (column.IsTyped)
            return "number";
        // A sample is enough for the fingerprint's schema; featurize reads every cell anyway.
        var sample = column.Text!.Where(t => !MessyNumber.IsMissing(t)).Take(200).ToList();
        return sample.Count > 0 && sample.All(t => MessyNumber.TryParse(t, out _)) ? "number" : "text";
    }

    private void Validate(FeaturizeSpec spec, DataFingerprint data, DataSource source)
    {
        if (data.Rows == 0)
            throw new MlOpsException($"Data '{source.Description}' has no rows. Point --data at a file with data.");
        var columns = data.Columns.Select(c => c.Name).Concat(spec.Derive.Select(d => d.Key)).ToHashSet(StringComparer.Ordinal);
        var known = string.Join(", ", data.Columns.Select(c => c.Name));
        var customColumns = _request.Code is { IsEmpty: false };
        if (customColumns)
            return; // custom C# steps may add columns; featurize checks them once they exist
        if (!columns.Contains(spec.Label))
            foreach (var name in RowExpression.ReferencedNames(spec.Label, "label").Where(n => !columns.Contains(n)))
                throw new MlOpsException(
                    $"The label '{spec.Label}' uses column '{name}', which '{source.Name}' does not have. Its columns are: {known}. Fix --label (names are case-sensitive).");
        foreach (var feature in spec.Features.Where(f => !columns.Contains(f)))
            throw new MlOpsException(
                $"Feature column '{feature}' is not in '{source.Name}'. Its columns are: {known}. Fix --features (names are case-sensitive) or add it with featurize.derive.{feature}.");
        if (spec.Filter is { } filter)
            foreach (var name in RowExpression.ReferencedNames(filter, "filter").Where(n => !columns.Contains(n)))
                throw new MlOpsException($"The filter '{filter}' uses column '{name}', which '{source.Name}' does not have. Its columns are: {known}. Fix --filter.");
        if (spec.SplitBy is { } by && !columns.Contains(by))
            throw new MlOpsException($"The split column '{by}' is not in '{source.Name}'. Its columns are: {known}. Fix --split-by or use --test-fraction.");
    }

    private sealed record FeaturizeOutput(StageCacheEntry Entry, FeatureSet Features);

    private FeaturizeOutput RunFeaturize(string key, FeaturizeSpec spec, DataSource source, string loadKey)
    {
        var table = Memo("table:" + loadKey, source.Load);
        var result = Featurizer.Fit(table, spec, _request.Code);
        // The featurizer's address is known from its bytes, so writing it can wait for the background task.
        var json = System.Text.Encoding.UTF8.GetBytes(result.Fitted.ToJson());
        var fitted = new ArtifactRef(Hashing.ContentHash.Of(json).Hex, json.Length, "featurizer");
        _memo.TryAdd("fitted:" + fitted.Sha256, new Lazy<object>(result.Fitted));
        var entry = new StageCacheEntry
        {
            Key = key, Stage = StageKeys.Featurize, CreatedAt = _clock.GetUtcNow(),
            Facts = new Dictionary<string, string>
            {
                ["task"] = result.Task.ToName(),
                ["featurizer"] = JsonSerializer.Serialize(fitted),
                ["rows"] = result.Features.Rows.ToString(CultureInfo.InvariantCulture),
                ["features"] = string.Join(",", result.Features.FeatureNames),
                ["notes"] = string.Join("\n", result.Notes),
            },
        };
        _memo.TryAdd("features:" + key, new Lazy<object>(result.Features));
        return new FeaturizeOutput(Persist(entry, () =>
        {
            _store.Artifacts.Put(s => s.Write(json), "featurizer");
            return _store.Artifacts.Put(result.Features.Write, "features");
        }), result.Features);
    }

    private FeatureSet Features(string featurizeKey) =>
        Memo("features:" + featurizeKey, () =>
        {
            var entry = _store.FindStage(featurizeKey) ?? throw new InvalidOperationException("featurize entry vanished");
            using var stream = _store.Artifacts.OpenRead(entry.Output!);
            return FeatureSet.Read(stream);
        });

    private sealed record SplitOutput(StageCacheEntry Entry, bool[] IsTest);

    private SplitOutput RunSplit(string key, SplitSpec spec, string featurizeKey)
    {
        var isTest = spec.Apply(Features(featurizeKey));
        var entry = new StageCacheEntry
        {
            Key = key, Stage = StageKeys.Split, CreatedAt = _clock.GetUtcNow(),
            Facts = new Dictionary<string, string>
            {
                ["train"] = isTest.Count(t => !t).ToString(CultureInfo.InvariantCulture),
                ["test"] = isTest.Count(t => t).ToString(CultureInfo.InvariantCulture),
            },
        };
        _memo.TryAdd("mask:" + key, new Lazy<object>(isTest));
        return new SplitOutput(Persist(entry, () => _store.Artifacts.Put(s => SplitSpec.WriteMask(isTest, s), "split")), isTest);
    }

    private bool[] Mask(string splitKey) =>
        Memo("mask:" + splitKey, () =>
        {
            var entry = _store.FindStage(splitKey) ?? throw new InvalidOperationException("split entry vanished");
            using var stream = _store.Artifacts.OpenRead(entry.Output!);
            return SplitSpec.ReadMask(stream);
        });

    private string ReadText(ArtifactRef artifact)
    {
        using var reader = new StreamReader(_store.Artifacts.OpenVerified(artifact));
        return reader.ReadToEnd();
    }

    // ---- Execution: train -> evaluate, tracked ----

    private RunOutcome Execute(VariantPlan plan)
    {
        var trainEntry = Cached(plan.TrainKey);
        var evaluateEntry = trainEntry is null ? null : Cached(plan.EvaluateKey);
        if (trainEntry is not null && evaluateEntry is not null)
            return FromCache(plan, trainEntry, evaluateEntry);

        var run = NewRun(plan);
        RunsInFlight.Start(_store, run); // saved as running, and ended as failed if the process is told to stop
        var stages = plan.PreparedStages.ToList();
        Task<ArtifactRef>? modelWrite = null;
        try
        {
            var ml = new MLContext(plan.Seed);
            ITransformer? transformer = null;
            var watch = Stopwatch.StartNew();
            if (trainEntry is not null)
            {
                modelWrite = Task.FromResult(trainEntry.Output!);
                stages.Add(new StageRecord(StageKeys.Train, plan.TrainKey, true, watch.Elapsed.TotalSeconds));
                Report(plan.Index, plan.Count, plan.Trainer.Name, StageKeys.Train, StageState.Cached, watch.Elapsed);
            }
            else
            {
                Report(plan.Index, plan.Count, plan.Trainer.Name, StageKeys.Train, StageState.Started, TimeSpan.Zero);
                var features = Features(plan.FeaturizeKey);
                var trainView = ml.Data.Cache(FeatureData.ToDataView(ml, features, Mask(plan.SplitKey), test: false));
                transformer = plan.Trainer.CreateEstimator(ml, plan.Options, plan.Seed).Fit(trainView);
                var (fitted, schema, runId) = (transformer, trainView.Schema, run.Id);
                // Saving the model overlaps with evaluation; the run finishes only after both.
                modelWrite = Task.Run(() =>
                {
                    var saved = _store.Artifacts.Put(s => ml.Model.Save(fitted, schema, s), "model");
                    Persist(new StageCacheEntry { Key = plan.TrainKey, Stage = StageKeys.Train, Output = saved, RunId = runId, CreatedAt = _clock.GetUtcNow() });
                    return saved;
                });
                stages.Add(new StageRecord(StageKeys.Train, plan.TrainKey, false, watch.Elapsed.TotalSeconds));
                Report(plan.Index, plan.Count, plan.Trainer.Name, StageKeys.Train, StageState.Finished, watch.Elapsed);
            }

            watch.Restart();
            Report(plan.Index, plan.Count, plan.Trainer.Name, StageKeys.Evaluate, StageState.Started, TimeSpan.Zero);
            if (transformer is null)
            {
                using var stream = _store.Artifacts.OpenVerified(modelWrite.Result);
                transformer = ml.Model.Load(stream, out _);
            }
            var testView = FeatureData.ToDataView(ml, Features(plan.FeaturizeKey), Mask(plan.SplitKey), test: true);
            var evaluation = Evaluator.Evaluate(ml, plan.Task, transformer, testView, run.Id, plan.Featurizer.SlotNames,
                plan.Params.GetBool("evaluate.feature_importance", false));
            var details = _store.Artifacts.Put(s => JsonSerializer.Serialize(s, evaluation.Details, DetailsJson), "details");
            var evaluated = new StageCacheEntry
            {
                Key = plan.EvaluateKey, Stage = StageKeys.Evaluate, Output = details, RunId = run.Id, CreatedAt = _clock.GetUtcNow(),
                Facts = evaluation.Metrics.ToDictionary(m => "metric." + m.Key, m => m.Value.ToString("R", CultureInfo.InvariantCulture)),
            };
            stages.Add(new StageRecord(StageKeys.Evaluate, plan.EvaluateKey, false, watch.Elapsed.TotalSeconds));
            Report(plan.Index, plan.Count, plan.Trainer.Name, StageKeys.Evaluate, StageState.Finished, watch.Elapsed);

            var model = modelWrite.GetAwaiter().GetResult();
            var produced = Unsaved(plan.LoadKey, plan.ValidateKey, plan.FeaturizeKey, plan.SplitKey, plan.TrainKey);

            run = run with { Status = RunStatus.Finished, EndedAt = _clock.GetUtcNow(), Metrics = evaluation.Metrics, Model = model, Stages = Keyed(stages, plan) };
            var finished = run;
            if (!RunsInFlight.Ended(run, () => _store.SaveBatch(finished, evaluation.Details, [.. produced, evaluated])))
                throw new MlOpsException("The process was interrupted before this run was stored as finished.");
            MarkSaved(produced);
            return new RunOutcome(run, Cached: false, plan.Notes);
        }
        catch (Exception e)
        {
            try { modelWrite?.Wait(); } catch (AggregateException) { } // already failing; the first error is the one to report
            var message = e is MlOpsException ? e.Message : $"{plan.Trainer.Name} failed while training or evaluating: {e.GetType().Name}: {e.Message} " +
                "Check the trainer options (an out-of-range value is the usual cause) and the data; the run is stored as failed.";
            run = run with { Status = RunStatus.Failed, EndedAt = _clock.GetUtcNow(), Error = message, Stages = Keyed(stages, plan) };
            var failed = run;
            RunsInFlight.Ended(run, () => _store.SaveRun(failed)); // an interruption stored it as failed already
            Report(plan.Index, plan.Count, plan.Trainer.Name, "run", StageState.Failed, TimeSpan.Zero, message);
            return new RunOutcome(run, Cached: false, plan.Notes);
        }
    }

    /// <summary>Fill in the keys of the prepared stages (planning records them without keys).</summary>
    private static IReadOnlyList<StageRecord> Keyed(List<StageRecord> stages, VariantPlan plan) =>
        stages.Select(s => s.Key.Length > 0 ? s : s with
        {
            Key = s.Name switch
            {
                StageKeys.Load => plan.LoadKey,
                StageKeys.Validate => plan.ValidateKey,
                StageKeys.Featurize => plan.FeaturizeKey,
                StageKeys.Split => plan.SplitKey,
                _ => "",
            },
        }).ToList();

    // The package version (5.0.1), not the assembly version ML.NET pins at 1.0.0.0.
    private static readonly string MlNetVersion =
        (typeof(MLContext).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .FirstOrDefault() as System.Reflection.AssemblyInformationalVersionAttribute)?.InformationalVersion.Split('+')[0] ?? "";

    private Run NewRun(VariantPlan plan)
    {
        var tags = new Dictionary<string, string> { ["source"] = _request.Source, ["user"] = Environment.UserName };
        if (plan.AutoGroup is { } group)
            tags["auto"] = group;
        return new Run
        {
            // Random (v4) ids: users type short prefixes, and time-ordered ids would share theirs.
            Id = Guid.NewGuid().ToString("N"),
            Experiment = _request.Name,
            Status = RunStatus.Running,
            StartedAt = plan.StartedAt,
            Task = plan.Task.ToName(),
            Trainer = plan.Trainer.Name,
            Params = plan.Params.Values.ToDictionary(kv => kv.Key, kv => plan.Params.Interpolate(kv.Value, kv.Key)),
            TrainerOptions = plan.Options,
            Data = plan.Data,
            FeaturizerCodeHash = plan.Featurizer.CodeHash,
            Featurizer = plan.FeaturizerArtifact,
            Signature = plan.Featurizer.Signature,
            RunKey = plan.EvaluateKey,
            MlNetVersion = MlNetVersion,
            RuntimeVersion = Environment.Version.ToString(),
            Tags = tags,
        };
    }

    /// <summary>
    /// Nothing to re-run: report the run that produced these outputs when it belongs to this experiment,
    /// else record a new finished run that points at the same artifacts.
    /// </summary>
    private RunOutcome FromCache(VariantPlan plan, StageCacheEntry trainEntry, StageCacheEntry evaluateEntry)
    {
        Report(plan.Index, plan.Count, plan.Trainer.Name, StageKeys.Train, StageState.Cached, TimeSpan.Zero);
        Report(plan.Index, plan.Count, plan.Trainer.Name, StageKeys.Evaluate, StageState.Cached, TimeSpan.Zero);
        var stages = plan.PreparedStages.Append(new StageRecord(StageKeys.Train, plan.TrainKey, true, 0))
            .Append(new StageRecord(StageKeys.Evaluate, plan.EvaluateKey, true, 0)).ToList();
        var producer = evaluateEntry.RunId.Length > 0 ? _store.FindRun(evaluateEntry.RunId) : null;
        if (producer is { Status: RunStatus.Finished } && producer.Experiment == _request.Name)
            // The stored run keeps the stages as they ran; the outcome shows this invocation's (all reused).
            return new RunOutcome(producer with { Stages = Keyed(stages, plan) }, Cached: true, plan.Notes);

        var metrics = evaluateEntry.Facts.Where(f => f.Key.StartsWith("metric.", StringComparison.Ordinal))
            .ToDictionary(f => f.Key["metric.".Length..], f => double.Parse(f.Value, CultureInfo.InvariantCulture));
        var run = NewRun(plan) with
        {
            Status = RunStatus.Finished, EndedAt = _clock.GetUtcNow(), Metrics = metrics, Model = trainEntry.Output,
            Stages = Keyed(stages, plan),
        };
        if (evaluateEntry.Output is { } detailsRef)
        {
            var details = JsonSerializer.Deserialize<RunDetails>(ReadText(detailsRef), DetailsJson)!;
            _store.SaveDetails(details with { RunId = run.Id });
        }
        _store.SaveRun(run);
        return new RunOutcome(run, Cached: true, plan.Notes);
    }
}
