namespace MlOps.Catalog;

/// <summary>
/// Where the company-wide catalog is: --catalog, else $MLOPS_CATALOG, else a per-user folder (~/.mlops/catalog).
/// Separate from each project's store on purpose: one catalog spans every project of a machine or team.
/// </summary>
public static class CatalogLocation
{
    public const string Variable = "MLOPS_CATALOG";

    public static string Resolve(string? option)
    {
        if (!string.IsNullOrWhiteSpace(option))
            return option;
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } fromEnvironment)
            return fromEnvironment;
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".mlops", "catalog");
    }
}
