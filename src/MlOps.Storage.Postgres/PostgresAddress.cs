using System.Globalization;
using Npgsql;

namespace MlOps.Storage.Postgres;

/// <summary>
/// A store URL, <c>postgres://user[:password]@host[:port]/database[?artifacts=/shared/dir&amp;sslmode=require...]</c>, as an
/// Npgsql connection string. The password may also come from $PGPASSWORD or ~/.pgpass (Npgsql reads both), so it
/// need not appear in scripts. <see cref="Display"/> never shows it.
/// </summary>
public sealed record PostgresAddress(string ConnectionString, string Display, string Database, string? Artifacts)
{
    public static bool IsPostgres(string? location) =>
        location is not null &&
        (location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase));

    public static PostgresAddress Parse(string url)
    {
        if (!IsPostgres(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new MlOpsException(
                $"'{Redact(url)}' is not a PostgreSQL store URL. Write it as postgres://user@host:5432/database " +
                "(password from $PGPASSWORD or ~/.pgpass, or user:password@host), optionally with ?artifacts=/shared/dir.");

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')) is { Length: > 0 } db ? db : "mlops",
            // Tagged so a DBA sees which connections are ours (pg_stat_activity).
            ApplicationName = "mlops",
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2) builder.Password = Uri.UnescapeDataString(parts[1]);
        }

        string? artifacts = null;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            if (key.Equals("artifacts", StringComparison.OrdinalIgnoreCase))
            {
                artifacts = value;
                continue;
            }
            try
            {
                // Anything else is an Npgsql setting (sslmode, timeout, pooling...), named as libpq or Npgsql names it.
                builder[key.Replace('_', ' ')] = value;
            }
            catch (ArgumentException e)
            {
                throw new MlOpsException($"The store URL option '{key}' is not a PostgreSQL connection setting ({e.Message}). Remove it, or use a setting Npgsql knows (sslmode, timeout, ...).", e);
            }
        }

        var display = $"postgres://{(builder.Username is { } u ? u + "@" : "")}{builder.Host}:{builder.Port.ToString(CultureInfo.InvariantCulture)}/{builder.Database}";
        return new PostgresAddress(builder.ConnectionString, display, builder.Database!, artifacts);
    }

    /// <summary>The URL with any password replaced, for messages.</summary>
    public static string Redact(string url)
    {
        var at = url.IndexOf('@');
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (at < 0 || scheme < 0) return url;
        var colon = url.IndexOf(':', scheme + 3);
        return colon > 0 && colon < at ? url[..(colon + 1)] + "***" + url[at..] : url;
    }
}
