namespace MlOps.Storage.Postgres;

/// <summary>What the record tables (deployments, monitoring, catalog) share: one-row writes and documents read back in query order.</summary>
public sealed partial class PostgresStore
{
    /// <summary>One statement in its own transaction (retried whole); the number of rows it changed.</summary>
    private int WriteRecordRow(Statement statement) => Write((connection, transaction) => Execute(connection, transaction, statement));

    /// <summary>Each row's first column (a JSON document as text) read with <paramref name="read"/>, in the query's order.</summary>
    private List<T> ReadRecordDocs<T>(Statement statement, Func<string, T> read) =>
        Read(connection => Query(connection, null, statement, reader => read(reader.GetString(0))));
}
