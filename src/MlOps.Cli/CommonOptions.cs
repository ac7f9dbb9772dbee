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

    public static IRunStore OpenStore(string? location) => LiteDbRunStore.Open(RunStoreLocation.Resolve(location));
}
