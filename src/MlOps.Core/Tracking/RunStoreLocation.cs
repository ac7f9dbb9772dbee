using MlOps.Storage;

namespace MlOps.Tracking;

/// <summary>Where a surface's store is when none is named: shared by the CLI and the notebook so both find the same runs.</summary>
public static class RunStoreLocation
{
    public const string EnvironmentVariable = StoreSettings.StoreVariable;

    /// <summary>The given location, else $MLOPS_STORE, else the config file's store, else .mlops in the working directory: a folder (LiteDB) or a postgres:// URL.</summary>
    public static string Resolve(string? location) => StoreSettings.Store(location).Value;
}
