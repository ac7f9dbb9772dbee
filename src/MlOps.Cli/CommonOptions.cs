using System.CommandLine;
using MlOps.Storage.LiteDb;
using MlOps.Tracking;

namespace MlOps.Cli;

/// <summary>Options every verb shares, and the store they select.</summary>
internal static class CommonOptions
{
    public static readonly Option<string?> Store = new("--store")
    {
        Description = "Store location: a folder for the embedded LiteDB store (default: .mlops in the working directory, or $MLOPS_STORE).",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print one JSON object on stdout (for scripts) instead of tables.",
        Recursive = true,
    };

    public static IRunStore OpenStore(string? location)
    {
        location ??= Environment.GetEnvironmentVariable("MLOPS_STORE") ?? ".mlops";
        if (location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            throw new MlOpsException($"The store '{location}' is a PostgreSQL server, which this version cannot use yet. Use a folder path (the embedded LiteDB store) for now.");
        return LiteDbRunStore.Open(location);
    }
}
