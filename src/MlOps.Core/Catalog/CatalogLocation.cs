using MlOps.Storage;

namespace MlOps.Catalog;

/// <summary>
/// Where the company-wide catalog is: --catalog, else $MLOPS_CATALOG, else the config file's catalog, else a per-user
/// folder (~/.mlops/catalog). Separate from each project's store on purpose: one catalog spans every project of a machine or team.
/// </summary>
public static class CatalogLocation
{
    public const string Variable = StoreSettings.CatalogVariable;

    public static string Resolve(string? option) => StoreSettings.Catalog(option).Value;
}
