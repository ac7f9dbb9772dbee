using Npgsql;

namespace MlOps.Tests;

/// <summary>
/// A throw-away database on the test PostgreSQL server ($MLOPS_TEST_POSTGRES, an admin URL; default
/// postgres://mlops:mlops@127.0.0.1:5432/postgres, the server .ci/run installs and starts). Created empty per test class,
/// dropped on dispose. No server means the tests fail with the fix in the message: they are never skipped.
/// </summary>
public sealed class PostgresDatabase : IDisposable
{
    public const string Variable = "MLOPS_TEST_POSTGRES";
    private const string DefaultAdmin = "postgres://mlops:mlops@127.0.0.1:5432/postgres";

    public PostgresDatabase()
    {
        Admin = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } url ? url : DefaultAdmin;
        Name = "mlops_test_" + Guid.NewGuid().ToString("N")[..12];
        var admin = new Uri(Admin);
        Url = $"{admin.Scheme}://{admin.UserInfo}@{admin.Host}:{(admin.Port > 0 ? admin.Port : 5432)}/{Name}";
        Execute($"CREATE DATABASE {Name}");
    }

    /// <summary>The admin URL the database was created through.</summary>
    public string Admin { get; }

    public string Name { get; }

    /// <summary>The store URL of this database (no artifacts option: tests add their own).</summary>
    public string Url { get; }

    /// <summary>Run SQL inside this database (e.g. to inspect tables or break things on purpose).</summary>
    public object? Scalar(string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString(Name));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    public void Dispose() => DropOther(Name);

    /// <summary>Drop a database a test created beside this one (best effort).</summary>
    public void DropOther(string name)
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            Execute($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
        catch (NpgsqlException)
        {
            // Best effort: a leftover test database is harmless.
        }
    }

    private void Execute(string sql)
    {
        try
        {
            using var connection = new NpgsqlConnection(ConnectionString(null));
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            command.ExecuteNonQuery();
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"The test PostgreSQL server at {Admin} is not usable ({e.Message}). Start one (`bash .ci/run` installs and starts " +
                $"Debian's postgresql on 127.0.0.1) or point ${Variable} at an admin URL, e.g. postgres://user:password@127.0.0.1:5432/postgres.", e);
        }
    }

    private string ConnectionString(string? database)
    {
        var admin = new Uri(Admin);
        var user = admin.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = admin.Host,
            Port = admin.Port > 0 ? admin.Port : 5432,
            Username = Uri.UnescapeDataString(user[0]),
            Database = database ?? admin.AbsolutePath.Trim('/'),
            Pooling = false,
        };
        if (user.Length == 2) builder.Password = Uri.UnescapeDataString(user[1]);
        return builder.ConnectionString;
    }
}
