using System.Diagnostics;
using LiteDB;
using MlOps.Hashing;
using MlOps.Registry;
using MlOps.Storage;
using MlOps.Tracking;

namespace MlOps.Storage.LiteDb;

/// <summary>
/// The embedded default <see cref="IRunStore"/>: <c>&lt;dir&gt;/mlops.db</c> (LiteDB) plus <c>&lt;dir&gt;/artifacts/</c>.
/// Safe for several threads (one in-process gate) and several processes: each operation takes an exclusive
/// lock on <c>&lt;dir&gt;/mlops.lock</c>, opens the file in LiteDB direct mode and closes it again. Measured faster
/// than LiteDB's shared mode (named mutex), and needed anyway: direct mode alone does not stop a second process
/// on Linux, where .NET maps LiteDB's FileShare.Read to a shared advisory lock.
/// </summary>
public sealed partial class LiteDbRunStore : IMlOpsStore
{
    /// <summary>
    /// Bumped when the document layout changes incompatibly; older code refuses newer files. 2: prediction segments
    /// may keep their bytes in the segment file beside mlops.db (1 kept them in the document); a version 1 file is
    /// marked 2 when opened, as this code reads both.
    /// </summary>
    public const int SchemaVersion = 2;

    private const string RunsCollection = "runs";
    private const string DetailsCollection = "details";
    private const string StagesCollection = "stages";
    private const string ExperimentsCollection = "experiments";
    private const string MetaCollection = "meta";

    private static readonly TimeSpan LockWaitLimit = TimeSpan.FromSeconds(60);

    private readonly LiteDbConnectionMode _mode;
    private readonly string _connectionString;
    private readonly string _lockPath;
    private readonly LiteDatabase? _shared;
    private readonly object _gate = new();
    private readonly HashSet<string> _metricIndexes = new(StringComparer.Ordinal);
    private bool _disposed;

    // Direct mode keeps the file and the lock for a short idle window after an operation, so a burst of
    // operations (one run writes ~10 records) pays for one open instead of ten; other processes wait at most that long.
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(150);
    private readonly Timer _closer;
    private LiteDatabase? _open;
    private FileStream? _openLock;
    private long _lastUseTicks;

    private LiteDbRunStore(string directory, LiteDbConnectionMode mode)
    {
        Directory.CreateDirectory(directory);
        Location = Path.Combine(Path.GetFullPath(directory), "mlops.db");
        Artifacts = new FileArtifactStore(Path.Combine(Path.GetFullPath(directory), "artifacts"));
        _mode = mode;
        _lockPath = Path.Combine(Path.GetFullPath(directory), "mlops.lock");
        // Ordinal collation: ids and names compare exactly (and faster than culture-aware comparison).
        _connectionString = $"Filename={Location};Connection={(mode == LiteDbConnectionMode.Shared ? "shared" : "direct")};Collation=en-US/Ordinal";
        if (mode == LiteDbConnectionMode.Shared)
            _shared = Guard(() => new LiteDatabase(_connectionString));
        _closer = new Timer(_ => CloseIfIdle(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public string Location { get; }

    public IArtifactStore Artifacts { get; }

    /// <summary>Open (creating if needed) the store in <paramref name="directory"/>.</summary>
    public static LiteDbRunStore Open(string directory) => Open(directory, LiteDbConnectionMode.Direct);

    internal static LiteDbRunStore Open(string directory, LiteDbConnectionMode mode)
    {
        var store = new LiteDbRunStore(directory, mode);
        try
        {
            store.Initialize();
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    public void SaveRun(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var doc = RunBson.ToBson(run);
        Write(db => Save(db, run, doc));
    }

    /// <summary>Save many runs in one transaction (imports, benchmark fills): one file open instead of one per run.</summary>
    internal void SaveRuns(IReadOnlyList<Run> runs) => Write(db =>
    {
        foreach (var run in runs) Save(db, run, RunBson.ToBson(run));
    });

    private void Save(LiteDatabase db, Run run, BsonDocument doc)
    {
        var runs = db.GetCollection(RunsCollection);
        // The experiments collection keeps ListExperiments O(experiments) instead of a scan of every run.
        // LastRunAt only ever grows: replacing a run with an earlier start does not lower it.
        var previous = runs.Query().Where("_id = @0", run.Id).Select("{ e: $.exp }").FirstOrDefault();
        runs.Upsert(doc);

        var experiments = db.GetCollection(ExperimentsCollection);
        var moved = previous is not null && previous["e"].AsString != run.Experiment;
        if (moved) Count(experiments, previous!["e"].AsString, -1, null);
        Count(experiments, run.Experiment, previous is null || moved ? 1 : 0, run.StartedAt.UtcTicks);
    }

    public Run? FindRun(string idOrPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrPrefix);
        return Read(db =>
        {
            var runs = db.GetCollection(RunsCollection);
            var exact = runs.FindById(idOrPrefix);
            if (exact is not null) return RunBson.ToRun(exact);
            if (idOrPrefix.Length < 4)
                throw new MlOpsException($"Run id '{idOrPrefix}' is too short to look up: give the full id or at least 4 characters of it.");

            const int shown = 10;
            var matches = runs.Query().Where(Query.StartsWith("_id", idOrPrefix)).Limit(shown + 1).ToList();
            return matches.Count switch
            {
                0 => null,
                1 => RunBson.ToRun(matches[0]),
                _ => throw new MlOpsException(
                    $"Run id prefix '{idOrPrefix}' is ambiguous: it matches {string.Join(", ", matches.Take(shown).Select(m => m["_id"].AsString))}" +
                    $"{(matches.Count > shown ? ", ..." : "")}. Give more characters of the id."),
            };
        });
    }

    public IReadOnlyList<Run> QueryRuns(RunQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = query.Limit ?? int.MaxValue;
        if (limit <= 0) return [];
        var order = query.Descending ? Query.Descending : Query.Ascending;

        if (query.OrderByMetric is { } ordered) EnsureMetricIndex(ordered);

        return Read(db =>
        {
            var runs = db.GetCollection(RunsCollection);
            var result = new List<Run>();

            // An ordered index always drives the scan and the filters run while scanning, so "best by metric,
            // limit 1" stops after the first match instead of letting LiteDB pick the (unselective) experiment
            // index and sort every run of the experiment in memory.
            if (query.OrderByMetric is { } metric)
            {
                var path = RunBson.MetricPath(metric);
                var withMetric = runs.Query()
                    .Where(BsonExpression.Create(path + " >= @0", double.NegativeInfinity))
                    .OrderBy(BsonExpression.Create(path), order);
                Collect(withMetric.ToEnumerable(), query, limit, result);
                if (result.Count >= limit) return result;

                // Runs without the metric (or with NaN) come last, newest first.
                var missing = runs.Query()
                    .Where(BsonExpression.Create(path + " < @0", double.NegativeInfinity))
                    .ToEnumerable()
                    .OrderByDescending(d => d[RunBson.StartedField].AsInt64);
                Collect(missing, query, limit, result);
                return result;
            }

            var byStart = runs.Query().OrderBy(BsonExpression.Create("$." + RunBson.StartedField), order);
            Collect(byStart.ToEnumerable(), query, limit, result);
            return result;
        });
    }

    public IReadOnlyList<ExperimentSummary> ListExperiments() => Read(db =>
        db.GetCollection(ExperimentsCollection).FindAll()
            .Where(e => e["runs"].AsInt32 > 0)
            .Select(e => new ExperimentSummary(e["_id"].AsString, e["runs"].AsInt32, new DateTimeOffset(e["last"].AsInt64, TimeSpan.Zero)))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .ToList());

    public void SaveDetails(RunDetails details)
    {
        ArgumentNullException.ThrowIfNull(details);
        var doc = RunBson.ToBson(details);
        Write(db => db.GetCollection(DetailsCollection).Upsert(doc));
    }

    public RunDetails? FindDetails(string runId) => Read(db =>
        db.GetCollection(DetailsCollection).FindById(runId) is { } doc ? RunBson.ToDetails(doc) : null);

    public StageCacheEntry? FindStage(string key) => Read(db =>
        db.GetCollection(StagesCollection).FindById(key) is { } doc ? RunBson.ToStage(doc) : null);

    public void SaveStage(StageCacheEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var doc = RunBson.ToBson(entry);
        Write(db => db.GetCollection(StagesCollection).Upsert(doc));
    }

    public void SaveBatch(Run run, RunDetails? details, IReadOnlyList<StageCacheEntry> stages)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(stages);
        var runDoc = RunBson.ToBson(run);
        var detailsDoc = details is null ? null : RunBson.ToBson(details);
        var stageDocs = stages.Select(RunBson.ToBson).ToList();
        Write(db =>
        {
            foreach (var doc in stageDocs)
                db.GetCollection(StagesCollection).Upsert(doc);
            if (detailsDoc is not null)
                db.GetCollection(DetailsCollection).Upsert(detailsDoc);
            Save(db, run, runDoc);
        });
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _closer.Dispose();
            Close();
            _shared?.Dispose();
            CloseSegmentFile();
        }
    }

    private void Initialize() => Write(db =>
    {
        var meta = db.GetCollection(MetaCollection);
        var schema = meta.FindById("schema");
        if (schema is null)
        {
            meta.Insert(new BsonDocument { ["_id"] = "schema", ["schemaVersion"] = SchemaVersion });
        }
        else if (schema["schemaVersion"].AsInt32 > SchemaVersion)
        {
            throw new MlOpsException(
                $"The run store {Location} was written by a newer MlOps (schema version {schema["schemaVersion"].AsInt32}; " +
                $"this version reads up to {SchemaVersion}). Upgrade MlOps to open it.");
        }
        else if (schema["schemaVersion"].AsInt32 < SchemaVersion)
        {
            schema["schemaVersion"] = SchemaVersion;
            meta.Update(schema);
        }

        var runs = db.GetCollection(RunsCollection);
        runs.EnsureIndex(RunBson.StartedField, "$." + RunBson.StartedField);
        foreach (var index in db.GetCollection("$indexes").Find(Query.EQ("collection", RunsCollection)))
            _metricIndexes.Add(index["name"].AsString);
        InitializeRegistry(db);
        InitializePredictions(db);
    });

    private static void Collect(IEnumerable<BsonDocument> docs, RunQuery query, int limit, List<Run> result)
    {
        foreach (var doc in docs)
        {
            if (query.Experiment is { } experiment && doc[RunBson.ExperimentField].AsString != experiment) continue;
            if (query.Status is { } status && doc["status"].AsString != status.ToString()) continue;
            if (query.Trainer is { } trainer && doc["trainer"].AsString != trainer) continue;
            result.Add(RunBson.ToRun(doc));
            if (result.Count >= limit) return;
        }
    }

    private static void Count(ILiteCollection<BsonDocument> experiments, string name, int delta, long? startedUtcTicks)
    {
        var doc = experiments.FindById(name) ?? new BsonDocument { ["_id"] = name, ["runs"] = 0, ["last"] = 0L };
        doc["runs"] = doc["runs"].AsInt32 + delta;
        if (startedUtcTicks is { } ticks && ticks > doc["last"].AsInt64) doc["last"] = ticks;
        experiments.Upsert(doc);
    }

    private static string MetricIndexName(string metric) => "m" + ContentHash.Of(metric).Hex[..16];

    // A metric gets an index the first time someone orders by it, not when it is written: every index costs
    // each later write ~0.2 ms, and runs log ~20 metrics of which one or two are ever ranked (indexing all 20
    // measured 5 ms per write on 100k runs). The first ordered query builds the index once over existing runs.
    private void EnsureMetricIndex(string metric)
    {
        var name = MetricIndexName(metric);
        lock (_gate)
        {
            if (_metricIndexes.Contains(name)) return;
        }
        Write(db =>
        {
            db.GetCollection(RunsCollection).EnsureIndex(name, RunBson.MetricPath(metric));
            _metricIndexes.Add(name);
        });
    }

    private T Read<T>(Func<LiteDatabase, T> read) => Use(db =>
    {
        // One transaction keeps the file open for the whole read in shared mode (one open instead of several).
        db.BeginTrans();
        try
        {
            return read(db);
        }
        finally
        {
            db.Rollback();
        }
    });

    private void Write(Action<LiteDatabase> write) => Use(db =>
    {
        db.BeginTrans();
        try
        {
            write(db);
            db.Commit();
        }
        catch
        {
            db.Rollback();
            throw;
        }
        return 0;
    });

    private T Use<T>(Func<LiteDatabase, T> operation)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_shared is not null) return Guard(() => operation(_shared));

            if (_open is null)
            {
                var processLock = AcquireProcessLock();
                try
                {
                    _open = Guard(() => new LiteDatabase(_connectionString));
                    _openLock = processLock;
                }
                catch
                {
                    processLock.Dispose();
                    throw;
                }
            }
            try
            {
                return Guard(() => operation(_open));
            }
            finally
            {
                _lastUseTicks = Stopwatch.GetTimestamp();
                _closer.Change(Linger, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void CloseIfIdle()
    {
        lock (_gate)
        {
            if (_open is null)
                return;
            var idle = Stopwatch.GetElapsedTime(_lastUseTicks);
            if (idle < Linger)
                _closer.Change(Linger - idle, Timeout.InfiniteTimeSpan);
            else
                Close();
        }
    }

    private void Close()
    {
        try
        {
            _open?.Dispose();
        }
        finally
        {
            _open = null;
            _openLock?.Dispose();
            _openLock = null;
        }
    }

    /// <summary>
    /// Exclusive lock file held for one operation. The OS drops it when a process dies, so it never goes stale.
    /// </summary>
    private FileStream AcquireProcessLock()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(_lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (clock.Elapsed < LockWaitLimit)
            {
                // Another process is in the middle of one short operation.
                Thread.Sleep(Random.Shared.Next(0, 3));
            }
            catch (IOException e)
            {
                throw new MlOpsException(
                    $"The run store {Location} stayed locked for {LockWaitLimit.TotalSeconds:F0} s ({_lockPath} is held by another process). " +
                    "Wait for the other MlOps process to finish, or stop it, and retry.", e);
            }
        }
    }

    private T Guard<T>(Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (IOException e)
        {
            throw new MlOpsException(
                $"The run store {Location} could not be opened: {e.Message} " +
                "If another program (e.g. LiteDB Studio) has it open, close that program and retry.", e);
        }
        catch (LiteException e)
        {
            throw new MlOpsException(
                $"The run store {Location} is damaged or not a LiteDB file ({e.Message}). " +
                "Restore it from a backup, or move it away to start with an empty store.", e);
        }
    }
}
