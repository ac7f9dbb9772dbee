namespace MlOps.Serving;

/// <summary>
/// A model version being served somewhere: one record per server start, kept in the project's store so that
/// `mlops deploy list`, the notebook view and the catalog see servers started from any surface (CLI, notebook).
/// <see cref="StoppedAt"/> is set on orderly shutdown; a record still open whose process is gone was killed.
/// </summary>
public sealed record Deployment
{
    public required string Id { get; init; }

    public required string Model { get; init; }

    public required int Version { get; init; }

    public required string Url { get; init; }

    /// <summary>Which surface started it: "cli", "notebook" or "package".</summary>
    public required string Source { get; init; }

    public string Machine { get; init; } = Environment.MachineName;

    public int ProcessId { get; init; } = Environment.ProcessId;

    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;

    public DateTimeOffset? StoppedAt { get; init; }

    /// <summary>How the server picks its version: "Production", "@champion", or "v3" when pinned; it follows the first two.</summary>
    public string Selector { get; init; } = "";

    public int? ShadowVersion { get; init; }

    public static string NewId() => Guid.NewGuid().ToString("N")[..16];

    /// <summary>
    /// Running as far as this machine can tell: not stopped, and, when started here, its process is still alive
    /// (a server killed with SIGKILL never writes its stop). Asked when read, so never stored with the record.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsRunning
    {
        get
        {
            if (StoppedAt is not null)
                return false;
            if (!string.Equals(Machine, Environment.MachineName, StringComparison.OrdinalIgnoreCase))
                return true;
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(ProcessId);
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }
    }
}

/// <summary>Where deployment records live: the project's store.</summary>
public interface IDeploymentStore
{
    /// <summary>Insert or replace the record with this id (a stop is the same record with StoppedAt set).</summary>
    void SaveDeployment(Deployment deployment);

    /// <summary>Newest first; one model's, or every model's.</summary>
    IReadOnlyList<Deployment> ListDeployments(string? model = null);
}

public static class DeploymentStoreExtensions
{
    /// <summary>The deployments still serving (as far as this machine can tell), newest first; every one with <paramref name="all"/>.</summary>
    public static IReadOnlyList<Deployment> ListDeployments(this IDeploymentStore store, string? model, bool all) =>
        all ? store.ListDeployments(model) : store.ListDeployments(model).Where(d => d.IsRunning).ToList();
}
