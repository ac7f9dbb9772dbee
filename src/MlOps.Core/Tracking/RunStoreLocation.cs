namespace MlOps.Tracking;

/// <summary>Where a surface's store is when none is named: shared by the CLI and the notebook so both find the same runs.</summary>
public static class RunStoreLocation
{
    public const string EnvironmentVariable = "MLOPS_STORE";

    /// <summary>The given location, else $MLOPS_STORE, else .mlops in the working directory. Rejects servers this version cannot use.</summary>
    public static string Resolve(string? location)
    {
        location ??= Environment.GetEnvironmentVariable(EnvironmentVariable) ?? ".mlops";
        if (location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            throw new MlOpsException($"The store '{location}' is a PostgreSQL server, which this version cannot use yet. Use a folder path (the embedded LiteDB store) for now.");
        return location;
    }
}
