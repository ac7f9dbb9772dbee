using Npgsql;
using NpgsqlTypes;

namespace MlOps.Storage.Postgres;

/// <summary>
/// A SQL statement with positional values ($1, $2, ...). Made once, outside a retried transaction, and turned into a
/// fresh command on every attempt (a command or parameter cannot be reused across connections).
/// </summary>
internal sealed record Statement(string Sql, params object?[] Values);

/// <summary>A JSON text as a statement value: json (kept exactly as written) or, when <see cref="Indexable"/>, jsonb.</summary>
internal sealed record JsonValue(string Text, bool Indexable = false)
{
    public static JsonValue Of<T>(T value) => new(StoreJson.Write(value));
}

public sealed partial class PostgresStore
{
    internal static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, Statement statement)
    {
        var command = Command(connection, transaction, statement.Sql);
        foreach (var value in statement.Values) command.Parameters.Add(Parameter(value));
        return command;
    }

    internal static int Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, Statement statement)
    {
        using var command = Command(connection, transaction, statement);
        return command.ExecuteNonQuery();
    }

    /// <summary>
    /// Statements that need no reads in between, as one write in one round trip, retried whole on transient failures.
    /// A batch sent without BEGIN runs in one implicit transaction (one Sync at its end): a failing statement rolls
    /// back the ones before it and skips the rest, so the write happens entirely or not at all.
    /// </summary>
    internal void WriteBatch(IReadOnlyList<Statement> statements) => Retry(() =>
    {
        using var connection = _source.OpenConnection();
        Execute(connection, null, statements);
        return 0;
    });

    /// <summary>Several statements in one round trip (in order; the first failure fails the transaction).</summary>
    internal static void Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, IEnumerable<Statement> statements)
    {
        using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var statement in statements)
        {
            var command = new NpgsqlBatchCommand(statement.Sql);
            foreach (var value in statement.Values) command.Parameters.Add(Parameter(value));
            batch.BatchCommands.Add(command);
        }
        if (batch.BatchCommands.Count > 0) batch.ExecuteNonQuery();
    }

    internal static List<T> Query<T>(NpgsqlConnection connection, NpgsqlTransaction? transaction, Statement statement, Func<NpgsqlDataReader, T> row)
    {
        using var command = Command(connection, transaction, statement);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(row(reader));
        return rows;
    }

    /// <summary>The record in the first column of a row.</summary>
    internal static T Doc<T>(NpgsqlDataReader reader) => StoreJson.Read<T>(reader.GetString(0));

    private static NpgsqlParameter Parameter(object? value) => value switch
    {
        JsonValue json => new NpgsqlParameter { NpgsqlDbType = json.Indexable ? NpgsqlDbType.Jsonb : NpgsqlDbType.Json, Value = json.Text },
        null => new NpgsqlParameter { Value = DBNull.Value },
        _ => new NpgsqlParameter { Value = value },
    };
}
