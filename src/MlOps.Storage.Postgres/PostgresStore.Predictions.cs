using Npgsql;
using NpgsqlTypes;
using MlOps.Serving;

namespace MlOps.Storage.Postgres;

/// <summary>
/// The prediction log: one row per logged prediction, a batch written with one binary COPY in one transaction (all
/// rows or none). Reads stream from one open query in (time, append) order, so a window of millions of rows never
/// sits in this process's memory; for one source (what a monitored window asks for) the window index gives that
/// order without a sort on the server either.
/// </summary>
public sealed partial class PostgresStore
{
    private const string CopyPredictions =
        "COPY predictions (model, version, ticks, source, inputs, label, score, probability) FROM STDIN (FORMAT BINARY)";

    public void AppendPredictions(IReadOnlyList<LoggedPrediction> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
            return;
        // Encoded once: a retried transaction sends the same rows again.
        var inputs = PredictionInputs.Write(batch);
        Write((connection, transaction) =>
        {
            using var copy = connection.BeginBinaryImport(CopyPredictions);
            for (var i = 0; i < batch.Count; i++)
            {
                var p = batch[i];
                copy.StartRow();
                copy.Write(p.Model, NpgsqlDbType.Text);
                copy.Write(p.Version, NpgsqlDbType.Integer);
                copy.Write(LogTicks(p.Timestamp), NpgsqlDbType.Bigint);
                copy.Write(p.Source, NpgsqlDbType.Text);
                copy.Write(inputs[i], NpgsqlDbType.Json);
                copy.Write(p.Label, NpgsqlDbType.Text);
                WriteOptional(copy, p.Score);
                WriteOptional(copy, p.Probability);
            }
            copy.Complete();
        });
    }

    public IEnumerable<LoggedPrediction> ReadPredictions(string model, int? version = null, string? source = null, DateTime? from = null, DateTime? to = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        var (where, values) = PredictionFilter(model, version, source, from is { } f ? LogTicks(f) : null, to is { } t ? LogTicks(t) : null);
        return StreamPredictions(model, source is not null,
            new Statement($"SELECT version, ticks, source, inputs, label, score, probability FROM predictions WHERE {where} ORDER BY ticks, id", values));
    }

    public long CountPredictions(string model, int? version = null, string? source = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        var (where, values) = PredictionFilter(model, version, source, null, null);
        return Read(connection => Query(connection, null, new Statement($"SELECT count(*) FROM predictions WHERE {where}", values), r => r.GetInt64(0))[0]);
    }

    /// <summary>
    /// Only the filters given, so the planner sees plain conditions and walks the window index. The values are
    /// positional ($1, $2, ...) for a <see cref="Statement"/>, which makes fresh parameters on every attempt.
    /// </summary>
    private static (string Where, object?[] Values) PredictionFilter(string model, int? version, string? source, long? from, long? to)
    {
        var conditions = new List<string>();
        var values = new List<object?>();
        void Add(string condition, object value)
        {
            values.Add(value);
            conditions.Add(condition + " $" + values.Count);
        }
        Add("model =", model);
        if (version is { } v) Add("version =", v);
        if (source is not null) Add("source =", source);
        if (from is { } f) Add("ticks >=", f);
        if (to is { } t) Add("ticks <", t);
        return (string.Join(" AND ", conditions), values.ToArray());
    }

    private IEnumerable<LoggedPrediction> StreamPredictions(string model, bool indexed, Statement statement)
    {
        // Opening and starting the query are retried; once rows flow, a failure ends the stream with a clear error.
        var (connection, transaction, command, reader) = Retry(() =>
        {
            var opened = _source.OpenConnection();
            try
            {
                var read = opened.BeginTransaction();
                // A plain walk gains nothing from JIT, whose compiling (from an estimate of millions of rows) delayed
                // the first row by 0.3 s to seconds.
                Execute(opened, read, "SET LOCAL jit = off");
                // With a source the window index gives the order: walk it, so rows flow at once. Without statistics
                // (right after a bulk load) the planner would otherwise sort the whole window before the first row.
                if (indexed)
                    Execute(opened, read, "SET LOCAL enable_sort = off");
                var query = Command(opened, read, statement);
                return (opened, read, query, query.ExecuteReader());
            }
            catch
            {
                opened.Dispose();
                throw;
            }
        });
        var names = new PredictionInputs.Names();
        var finished = false;
        try
        {
            while (Next(reader))
                yield return new LoggedPrediction(model, reader.GetInt32(0), new DateTime(reader.GetInt64(1), DateTimeKind.Utc), reader.GetString(2),
                    PredictionInputs.Read(reader.GetFieldValue<byte[]>(3), names), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetDouble(5), reader.IsDBNull(6) ? null : reader.GetDouble(6));
            finished = true;
        }
        finally
        {
            // A reader left early would otherwise read the rest of the window off the wire before closing.
            if (!finished)
                command.Cancel();
            try
            {
                reader.Dispose();
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled)
            {
                // The cancel asked for above.
            }
            command.Dispose();
            transaction.Dispose();
            connection.Dispose();
        }
    }

    private bool Next(NpgsqlDataReader reader)
    {
        try
        {
            return reader.Read();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new MlOpsException(
                $"Reading the prediction log from {Location} failed part way ({Reason(e)}). Nothing was changed; run the command again once the server is reachable.", e);
        }
    }

    private static void WriteOptional(NpgsqlBinaryImporter copy, double? value)
    {
        if (value is { } v)
            copy.Write(v, NpgsqlDbType.Double);
        else
            copy.WriteNull();
    }

    /// <summary>UTC ticks, as the embedded store keys them: a local time is converted, an unspecified one taken as UTC.</summary>
    private static long LogTicks(DateTime t) => t.Kind == DateTimeKind.Local ? t.ToUniversalTime().Ticks : t.Ticks;
}
