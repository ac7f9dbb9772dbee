using System.Collections.Concurrent;
using System.Data;
using System.Globalization;
using MlOps.Hashing;
using MlOps.Tracking;

namespace MlOps.Storage.Postgres;

/// <summary>
/// Runs, their details and the stage cache (<see cref="IRunStore"/>), behaving as the LiteDB store does. Experiment
/// counts are kept by a trigger on runs (schema V1), so every way a run row is written counts it exactly once.
/// </summary>
public sealed partial class PostgresStore
{
    private const int StagePage = 1000;

    // Metric indexes known to exist, per database; process-wide like the connection pools.
    private static readonly ConcurrentDictionary<string, bool> MetricIndexes = new(StringComparer.Ordinal);

    public void SaveRun(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        WriteBatch([UpsertRun(run)]);
    }

    /// <summary>Save many runs in one transaction and one round trip (imports, benchmark fills).</summary>
    internal void SaveRuns(IReadOnlyList<Run> runs) => WriteBatch(runs.Select(UpsertRun).ToList());

    public Run? FindRun(string idOrPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrPrefix);
        return Read(connection =>
        {
            if (Query(connection, null, new Statement("SELECT doc FROM runs WHERE id = $1", idOrPrefix), Doc<Run>) is [var exact]) return exact;
            if (idOrPrefix.Length < 4)
                throw new MlOpsException($"Run id '{idOrPrefix}' is too short to look up: give the full id or at least 4 characters of it.");

            const int shown = 10;
            var matches = Query(connection, null,
                new Statement($"SELECT id, doc FROM runs WHERE id ^@ $1 ORDER BY id LIMIT {shown + 1}", idOrPrefix),
                r => (Id: r.GetString(0), Doc: r.GetString(1)));
            return matches.Count switch
            {
                0 => null,
                1 => StoreJson.Read<Run>(matches[0].Doc),
                _ => throw new MlOpsException(
                    $"Run id prefix '{idOrPrefix}' is ambiguous: it matches {string.Join(", ", matches.Take(shown).Select(m => m.Id))}" +
                    $"{(matches.Count > shown ? ", ..." : "")}. Give more characters of the id."),
            };
        });
    }

    public IReadOnlyList<Run> QueryRuns(RunQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = query.Limit ?? int.MaxValue;
        if (limit <= 0) return [];
        var order = query.Descending ? "DESC" : "ASC";

        var values = new List<object?>();
        var filters = new List<string>();
        void Filter(string column, string? value)
        {
            if (value is null) return;
            values.Add(value);
            filters.Add($"{column} = ${values.Count}");
        }
        Filter("experiment", query.Experiment);
        Filter("status", query.Status?.ToString());
        Filter("trainer", query.Trainer);
        Statement Select(string condition, string orderBy, int rows) => new(
            $"SELECT doc FROM runs WHERE {string.Join(" AND ", filters.Append(condition))} ORDER BY {orderBy}" +
            (rows == int.MaxValue ? "" : " LIMIT " + rows.ToString(CultureInfo.InvariantCulture)),
            values.ToArray());

        if (query.OrderByMetric is not { } metric)
            return Read(connection => Query(connection, null, Select("true", "started_ticks " + order, limit), Doc<Run>));

        var key = MetricKey(metric);
        EnsureMetricIndex(metric, key);
        // NaN sorts above every number in PostgreSQL; "< 'NaN'" keeps exactly the numbers (±Infinity included) and is
        // a range the metric's index answers, so "best, limit 1" stops at the first match.
        var ranked = Select($"{key} < 'NaN'::float8", $"{key} {order}", limit);
        return Read(connection =>
        {
            // Usually the ranked runs fill the limit ("best run"): one statement, one round trip.
            if (limit != int.MaxValue && Query(connection, null, ranked, Doc<Run>) is { } best && best.Count == limit) return best;

            // Otherwise runs without the metric (or with NaN) follow, newest first, read in one snapshot with the
            // ranked ones (as LiteDB reads both in one transaction), so a run saved meanwhile is in exactly one part.
            using var snapshot = connection.BeginTransaction(IsolationLevel.RepeatableRead);
            var result = Query(connection, snapshot, ranked, Doc<Run>);
            var rest = limit == int.MaxValue ? limit : limit - result.Count;
            if (rest > 0)
                result.AddRange(Query(connection, snapshot, Select($"NOT coalesce({key} < 'NaN'::float8, false)", "started_ticks DESC", rest), Doc<Run>));
            snapshot.Commit();
            return result;
        });
    }

    public IReadOnlyList<ExperimentSummary> ListExperiments() => Read(connection =>
        Query(connection, null, new Statement("SELECT name, runs, last_ticks FROM experiments WHERE runs > 0 ORDER BY name"),
            r => new ExperimentSummary(r.GetString(0), r.GetInt32(1), new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero))));

    public void SaveDetails(RunDetails details)
    {
        ArgumentNullException.ThrowIfNull(details);
        WriteBatch([UpsertDetails(details)]);
    }

    public RunDetails? FindDetails(string runId) => Read(connection =>
        Query(connection, null, new Statement("SELECT doc FROM run_details WHERE run_id = $1", runId), Doc<RunDetails>).SingleOrDefault());

    public StageCacheEntry? FindStage(string key) => Read(connection =>
        Query(connection, null, new Statement("SELECT doc FROM stage_cache WHERE key = $1", key), Doc<StageCacheEntry>).SingleOrDefault());

    public void SaveStage(StageCacheEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        WriteBatch([UpsertStage(entry)]);
    }

    public void SaveBatch(Run run, RunDetails? details, IReadOnlyList<StageCacheEntry> stages)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(stages);
        List<Statement> statements = [.. stages.Select(UpsertStage)];
        if (details is not null) statements.Add(UpsertDetails(details));
        statements.Add(UpsertRun(run));
        WriteBatch(statements);
    }

    /// <summary>Page by page (each page one retried read), so a large cache never sits in memory or holds a connection.</summary>
    public IEnumerable<StageCacheEntry> ListStages()
    {
        string? after = null;
        while (true)
        {
            var page = Read(connection => Query(connection, null,
                new Statement($"SELECT key, doc FROM stage_cache WHERE $1::text IS NULL OR key > $1 ORDER BY key LIMIT {StagePage}", after),
                r => (Key: r.GetString(0), Doc: r.GetString(1))));
            foreach (var (_, doc) in page) yield return StoreJson.Read<StageCacheEntry>(doc);
            if (page.Count < StagePage) yield break;
            after = page[^1].Key;
        }
    }

    private static Statement UpsertRun(Run run) => new(
        """
        INSERT INTO runs (id, experiment, status, trainer, started_ticks, metrics, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (id) DO UPDATE SET experiment = excluded.experiment, status = excluded.status, trainer = excluded.trainer,
            started_ticks = excluded.started_ticks, metrics = excluded.metrics, doc = excluded.doc
        """,
        run.Id, run.Experiment, run.Status.ToString(), run.Trainer, run.StartedAt.UtcTicks,
        new JsonValue(StoreJson.Write(IndexableMetrics(run.Metrics)), Indexable: true), JsonValue.Of(run));

    // jsonb refuses \u0000 in keys; such a name (never rankable: SQL text cannot hold it) stays in the doc only.
    private static IReadOnlyDictionary<string, double> IndexableMetrics(IReadOnlyDictionary<string, double> metrics) =>
        metrics.Keys.Any(k => k.Contains('\0')) ? metrics.Where(m => !m.Key.Contains('\0')).ToDictionary() : metrics;

    private static Statement UpsertDetails(RunDetails details) => new(
        "INSERT INTO run_details (run_id, doc) VALUES ($1, $2) ON CONFLICT (run_id) DO UPDATE SET doc = excluded.doc",
        details.RunId, JsonValue.Of(details));

    private static Statement UpsertStage(StageCacheEntry entry) => new(
        "INSERT INTO stage_cache (key, doc) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET doc = excluded.doc",
        entry.Key, JsonValue.Of(entry));

    /// <summary>
    /// The metric as a SQL expression. The name is a literal, not a parameter: an expression index is used only by
    /// queries that spell the same expression. Quotes are doubled (standard_conforming_strings is on since PostgreSQL 9.1).
    /// </summary>
    private static string MetricKey(string metric) => $"((metrics ->> '{metric.Replace("'", "''")}')::float8)";

    // A metric gets an index the first time someone orders by it, not when it is written (as in the LiteDB store):
    // runs log ~20 metrics, of which one or two are ever ranked, and every index costs each later write.
    private void EnsureMetricIndex(string metric, string key)
    {
        var name = "runs_metric_" + ContentHash.Of(metric).Hex[..16];
        var known = Address.ConnectionString + "\n" + name;
        if (MetricIndexes.ContainsKey(known)) return;
        Write((connection, transaction) =>
        {
            if (Query(connection, transaction, new Statement("SELECT to_regclass($1) IS NOT NULL", name), r => r.GetBoolean(0))[0]) return;
            // Clients ranking by a new metric at once would race to create the same index: one builds it, the others wait and find it.
            Execute(connection, transaction, new Statement("SELECT pg_advisory_xact_lock(hashtext($1))", name));
            Execute(connection, transaction, $"CREATE INDEX IF NOT EXISTS {name} ON runs ({key})");
        });
        MetricIndexes[known] = true;
    }
}
