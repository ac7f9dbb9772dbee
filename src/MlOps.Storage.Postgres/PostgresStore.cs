using System.Collections.Concurrent;
using System.Data;
using System.Reflection;
using Npgsql;
using Polly;
using Polly.Retry;
using MlOps.Tracking;

namespace MlOps.Storage.Postgres;

/// <summary>
/// The team store: runs, registry, deployments, prediction logs, monitoring and catalog in one PostgreSQL database,
/// artifacts in a shared directory (content-addressed, verified on load). Concurrency is the database's job: every
/// operation is one transaction, check-then-write rules hold with row locks and constraints (one Production version
/// per model is a unique index), and transient failures (server restarting, connection dropped, serialization
/// conflicts) are retried as whole transactions, so a write either happened once or not at all.
/// </summary>
public sealed partial class PostgresStore : IMlOpsStore
{
    /// <summary>The newest schema this code knows; a database migrated further by a newer MlOps is refused.</summary>
    public static int SchemaVersion => Migrations.Value[^1].Version;

    /// <summary>Environment variable naming the shared artifact directory when the URL has no ?artifacts=.</summary>
    public const string ArtifactsVariable = "MLOPS_ARTIFACTS";

    // One pool per connection string for the process: a notebook opens a store per cell, a server keeps one.
    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> Sources = new(StringComparer.Ordinal);

    private readonly NpgsqlDataSource _source;
    private readonly ResiliencePipeline _retry;
    private bool _disposed;

    private PostgresStore(PostgresAddress address, NpgsqlDataSource source, RetryPolicy policy)
    {
        Address = address;
        _source = source;
        Policy = policy;
        _retry = BuildRetry(policy);
        Artifacts = null!;
    }

    public PostgresAddress Address { get; }

    /// <summary>How transient failures are retried (attempts and first delay); set by the URL's retries=... or defaults.</summary>
    public RetryPolicy Policy { get; }

    public string Location => Address.Display;

    public IArtifactStore Artifacts { get; private set; }

    /// <summary>The artifact directory in use (shared by everyone on this store unless overridden per client).</summary>
    public string ArtifactRoot => ((FileArtifactStore)Artifacts).Root;

    /// <summary>
    /// Open (creating the schema, or migrating it, if needed) the store at <paramref name="url"/>. Artifacts: the given
    /// directory, else the URL's ?artifacts=, else $MLOPS_ARTIFACTS, else the directory recorded when the store was
    /// created, else ~/.mlops/artifacts (recorded then, so every later client finds the same one).
    /// </summary>
    public static PostgresStore Open(string url, string? artifacts = null, RetryPolicy? policy = null)
    {
        var address = PostgresAddress.Parse(url);
        var source = Sources.GetOrAdd(address.ConnectionString, cs => NpgsqlDataSource.Create(cs));
        var store = new PostgresStore(address, source, policy ?? RetryPolicy.Default);
        store.Initialize(artifacts ?? address.Artifacts ?? Environment.GetEnvironmentVariable(ArtifactsVariable));
        return store;
    }

    public void Dispose() => _disposed = true;

    private void Initialize(string? requestedArtifacts)
    {
        EnsureDatabase();
        var recorded = Write((connection, transaction) =>
        {
            Migrate(connection, transaction);
            using var read = Command(connection, transaction, "SELECT value FROM mlops_settings WHERE key = 'artifacts'");
            if (read.ExecuteScalar() is string existing) return existing;
            var chosen = Path.GetFullPath(requestedArtifacts ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".mlops", "artifacts"));
            Execute(connection, transaction, new Statement("INSERT INTO mlops_settings (key, value) VALUES ('artifacts', $1) ON CONFLICT (key) DO NOTHING", chosen));
            return chosen;
        });
        Artifacts = new FileArtifactStore(requestedArtifacts ?? recorded);
    }

    // ---- schema ------------------------------------------------------------------------------------------------

    private sealed record Migration(int Version, string Name, string Sql);

    private static readonly Lazy<IReadOnlyList<Migration>> Migrations = new(() =>
    {
        var assembly = typeof(PostgresStore).Assembly;
        const string prefix = "MlOps.Storage.Postgres.Schema.V";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var name = n[(prefix.Length - 1)..^4];
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return new Migration(int.Parse(name[1..name.IndexOf('_')]), name, reader.ReadToEnd());
            })
            .OrderBy(m => m.Version)
            .ToList();
    });

    // Any fixed number: every MlOps process migrating this database takes the same lock, so one migrates, the others wait.
    private const long MigrationLock = 0x6d6c6f7073;

    private void Migrate(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLock})");
        Execute(connection, transaction,
            "CREATE TABLE IF NOT EXISTS mlops_schema (version integer PRIMARY KEY, name text NOT NULL, applied_ticks bigint NOT NULL)");
        using var current = Command(connection, transaction, "SELECT coalesce(max(version), 0) FROM mlops_schema");
        var applied = Convert.ToInt32(current.ExecuteScalar()!);
        if (applied > SchemaVersion)
            throw new MlOpsException(
                $"The store {Location} has schema version {applied}, written by a newer MlOps; this version knows up to {SchemaVersion}. " +
                "Upgrade MlOps (every client of a shared store should run the same or a newer version).");
        foreach (var migration in Migrations.Value.Where(m => m.Version > applied))
        {
            Execute(connection, transaction, migration.Sql);
            Execute(connection, transaction, new Statement("INSERT INTO mlops_schema (version, name, applied_ticks) VALUES ($1, $2, $3)",
                migration.Version, migration.Name, DateTime.UtcNow.Ticks));
        }
    }

    /// <summary>A store URL naming a database that does not exist yet creates it (zero setup, as the LiteDB folder is).</summary>
    private void EnsureDatabase()
    {
        try
        {
            Read(connection => 0);
        }
        catch (MlOpsException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName })
        {
            var maintenance = new NpgsqlConnectionStringBuilder(Address.ConnectionString) { Database = "postgres", Pooling = false };
            try
            {
                using var connection = new NpgsqlConnection(maintenance.ConnectionString);
                connection.Open();
                using var create = new NpgsqlCommand($"CREATE DATABASE \"{Address.Database.Replace("\"", "\"\"")}\"", connection);
                create.ExecuteNonQuery();
            }
            catch (PostgresException created) when (created.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // Another client created it meanwhile.
            }
            catch (Exception failed) when (failed is NpgsqlException or InvalidOperationException)
            {
                throw new MlOpsException(
                    $"The database '{Address.Database}' does not exist on {Location}, and creating it failed ({failed.Message}). " +
                    $"Ask the server's administrator to run CREATE DATABASE \"{Address.Database}\" OWNER <your user>, then retry.", failed);
            }
        }
    }

    // ---- transactions with retry --------------------------------------------------------------------------------

    /// <summary>Run <paramref name="work"/> in one transaction (retried whole on transient failures) and commit.</summary>
    internal T Write<T>(Func<NpgsqlConnection, NpgsqlTransaction, T> work, IsolationLevel isolation = IsolationLevel.ReadCommitted) =>
        Retry(() =>
        {
            using var connection = _source.OpenConnection();
            using var transaction = connection.BeginTransaction(isolation);
            var result = work(connection, transaction);
            Commit(transaction);
            return result;
        });

    /// <summary>
    /// A failure before COMMIT rolled everything back, so retrying is safe; a connection lost during COMMIT leaves the
    /// outcome unknown, and retrying could apply a non-idempotent write (a gate run, a history entry) twice: report it.
    /// </summary>
    private void Commit(NpgsqlTransaction transaction)
    {
        try
        {
            transaction.Commit();
        }
        catch (Exception e) when (e is NpgsqlException { IsTransient: true } or TimeoutException)
        {
            throw new MlOpsException(
                $"The connection to the store {Location} was lost while committing ({Reason(e)}), so this change may or may not be stored. " +
                "Look before repeating it (e.g. `mlops models show <model>`, `mlops experiment list`), then retry if it is missing.", e);
        }
    }

    internal void Write(Action<NpgsqlConnection, NpgsqlTransaction> work, IsolationLevel isolation = IsolationLevel.ReadCommitted) =>
        Write((connection, transaction) => { work(connection, transaction); return 0; }, isolation);

    /// <summary>A read on one connection (retried on transient failures); results are materialized inside.</summary>
    internal T Read<T>(Func<NpgsqlConnection, T> work) =>
        Retry(() =>
        {
            using var connection = _source.OpenConnection();
            return work(connection);
        });

    /// <summary>A connection for streaming reads (the caller disposes it); opening is retried, the stream is not.</summary>
    internal NpgsqlConnection OpenConnection() => Retry(() => _source.OpenConnection());

    internal static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql) => new(sql, connection, transaction);

    internal static int Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
    {
        using var command = Command(connection, transaction, sql);
        return command.ExecuteNonQuery();
    }

    private T Retry<T>(Func<T> operation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var started = DateTime.UtcNow;
        try
        {
            return _retry.Execute(operation);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && e is not PostgresException { IsTransient: false })
        {
            var elapsed = DateTime.UtcNow - started;
            throw new MlOpsException(
                $"The store {Location} could not be reached ({Reason(e)}), after {Policy.Attempts} attempts over {elapsed.TotalSeconds:F1} s. " +
                "Nothing was written by this operation. Check that the PostgreSQL server is running and reachable from this machine " +
                "(pg_isready -h <host>), and that the URL's user, password ($PGPASSWORD or ~/.pgpass) and database are right; then retry.", e);
        }
        catch (PostgresException e)
        {
            throw Explain(e);
        }
    }

    private static ResiliencePipeline BuildRetry(RetryPolicy policy) => policy.Attempts <= 1 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e.IsTransient).Handle<TimeoutException>(),
            MaxRetryAttempts = policy.Attempts - 1,
            Delay = policy.FirstDelay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    private static string Reason(Exception e) =>
        e is NpgsqlException { InnerException: { } inner } ? inner.Message : e.Message;

    /// <summary>Non-transient server errors as one clear message (a constraint broken, permissions, a missing table).</summary>
    private MlOpsException Explain(PostgresException e) => e.SqlState switch
    {
        PostgresErrorCodes.InsufficientPrivilege => new MlOpsException(
            $"The store {Location} refused the operation: {e.MessageText}. The database user needs CREATE, SELECT, INSERT and UPDATE on the database's public schema; ask its administrator to grant them.", e),
        PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification => new MlOpsException(
            $"The store {Location} refused the login: {e.MessageText}. Check the user and password (in the URL, $PGPASSWORD or ~/.pgpass).", e),
        PostgresErrorCodes.InvalidCatalogName => new MlOpsException(
            $"The store {Location} has no database '{Address.Database}' ({e.MessageText}).", e),
        _ => new MlOpsException($"The store {Location} failed: {e.MessageText} (SQLSTATE {e.SqlState}). Nothing was written by this operation.", e),
    };
}

/// <summary>How transient failures are retried: <see cref="Attempts"/> tries in all, delays doubling from <see cref="FirstDelay"/> (with jitter).</summary>
public sealed record RetryPolicy(int Attempts, TimeSpan FirstDelay)
{
    /// <summary>6 attempts over about 6 s: rides out a server restart or a failover, fails fast enough for a notebook cell.</summary>
    public static RetryPolicy Default { get; } = new(6, TimeSpan.FromMilliseconds(200));
}
