using Npgsql;
using NpgsqlTypes;

namespace MlOps.Storage.Postgres;

/// <summary>What the record tables (deployments, monitoring, catalog) share: one-row writes and documents read back in query order.</summary>
public sealed partial class PostgresStore
{
    /// <summary>One statement with named values in its own transaction (retried whole); the number of rows it changed.</summary>
    private int WriteRecordRow(string sql, params (string Name, object Value)[] values) => Write((connection, transaction) =>
    {
        using var command = Command(connection, transaction, sql);
        foreach (var (name, value) in values)
            command.Parameters.AddWithValue(name, value);
        return command.ExecuteNonQuery();
    });

    /// <summary>Each row's first column (a JSON document as text) read with <paramref name="read"/>, in the query's order.</summary>
    private List<T> ReadRecordDocs<T>(string sql, Func<string, T> read, params NpgsqlParameter[] parameters) => Read(connection =>
    {
        using var command = Command(connection, null, sql);
        command.Parameters.AddRange(parameters);
        var results = new List<T>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            results.Add(read(reader.GetString(0)));
        return results;
    });

    /// <summary>A typed parameter that may be null, so "@p IS NULL OR column = @p" needs no cast.</summary>
    private static NpgsqlParameter Optional(string name, NpgsqlDbType type, object? value) => new(name, type) { Value = value ?? DBNull.Value };
}
