using MlOps.Storage.LiteDb;
using MlOps.Storage.Postgres;
using MlOps.Tracking;

namespace MlOps.Storage;

/// <summary>What `mlops store info` shows: which backend, where, its schema version, what it holds and where its artifacts are.</summary>
public sealed record StoreDescription(
    string Backend, string Location, int SchemaVersion, long Runs, long Models, long Versions, long Predictions, long CatalogRecords, long Artifacts, string? ArtifactDirectory)
{
    public static StoreDescription Of(IMlOpsStore store)
    {
        var (backend, schema) = store switch
        {
            LiteDbRunStore => ("litedb", LiteDbRunStore.SchemaVersion),
            // Opening a server store migrates it to this version (or refuses a newer one), so it is the database's too.
            PostgresStore => ("postgres", PostgresStore.SchemaVersion),
            _ => (store.GetType().Name, 0),
        };
        var models = store.ListModels();
        return new StoreDescription(backend, store.Location, schema,
            store.ListExperiments().Sum(e => (long)e.Runs),
            models.Count,
            models.Sum(m => (long)m.Versions),
            StoreDigest.ModelsOf(store).Sum(m => store.CountPredictions(m)),
            store.ReadRecords().Count,
            store.Artifacts.ListHashes().LongCount(),
            (store.Artifacts as FileArtifactStore)?.Root);
    }
}
