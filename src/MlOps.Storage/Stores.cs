using MlOps.Catalog;
using MlOps.Storage.LiteDb;
using MlOps.Storage.Postgres;
using MlOps.Tracking;

namespace MlOps.Storage;

/// <summary>The one place a location becomes a store: a folder is the embedded LiteDB store, a postgres:// URL the team server.</summary>
public static class Stores
{
    /// <summary>The project store named by --store (else $MLOPS_STORE, else the config file's store, else .mlops).</summary>
    public static IMlOpsStore Open(string? location) => OpenAt(RunStoreLocation.Resolve(location));

    /// <summary>The company catalog named by --catalog (else $MLOPS_CATALOG, else the config file's catalog, else ~/.mlops/catalog).</summary>
    public static IMlOpsStore OpenCatalog(string? location) => OpenAt(CatalogLocation.Resolve(location));

    /// <summary>
    /// Exactly the location given, no defaults. A server store's artifact directory: the URL's ?artifacts=, else
    /// $MLOPS_ARTIFACTS, else the config file's artifacts, else the one recorded in the database.
    /// </summary>
    public static IMlOpsStore OpenAt(string location) =>
        PostgresAddress.IsPostgres(location)
            ? PostgresStore.Open(location, StoreSettings.Artifacts(PostgresAddress.Parse(location).Artifacts)?.Value)
            : LiteDbRunStore.Open(location);

    /// <summary>
    /// As <see cref="OpenAt"/>, for commands that only read what is there (store info, a migration's source): a folder
    /// without a store is refused rather than created empty.
    /// </summary>
    public static IMlOpsStore OpenExisting(string location)
    {
        if (!PostgresAddress.IsPostgres(location) && !File.Exists(Path.Combine(location, "mlops.db")))
            throw new MlOpsException($"There is no store at {Path.GetFullPath(location)} (no mlops.db in it). Give a store folder or a postgres:// URL.");
        return OpenAt(location);
    }

    /// <summary>"litedb" or "postgres": what <see cref="OpenAt"/> makes of a location.</summary>
    public static string BackendOf(string location) => PostgresAddress.IsPostgres(location) ? "postgres" : "litedb";
}
