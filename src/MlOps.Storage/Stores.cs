using MlOps.Catalog;
using MlOps.Storage.LiteDb;
using MlOps.Storage.Postgres;
using MlOps.Tracking;

namespace MlOps.Storage;

/// <summary>The one place a location becomes a store: a folder is the embedded LiteDB store, a postgres:// URL the team server.</summary>
public static class Stores
{
    /// <summary>The project store named by --store (else $MLOPS_STORE, else .mlops).</summary>
    public static IMlOpsStore Open(string? location) => OpenAt(RunStoreLocation.Resolve(location));

    /// <summary>The company catalog named by --catalog (else $MLOPS_CATALOG, else ~/.mlops/catalog).</summary>
    public static IMlOpsStore OpenCatalog(string? location) => OpenAt(CatalogLocation.Resolve(location));

    /// <summary>Exactly the location given, no defaults.</summary>
    public static IMlOpsStore OpenAt(string location) =>
        PostgresAddress.IsPostgres(location) ? PostgresStore.Open(location) : LiteDbRunStore.Open(location);
}
