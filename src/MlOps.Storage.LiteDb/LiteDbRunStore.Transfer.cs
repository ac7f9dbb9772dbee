using LiteDB;
using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Storage.LiteDb;

/// <summary>Migration's side of the store (<see cref="IStoreTransfer"/>).</summary>
public sealed partial class LiteDbRunStore
{
    public IEnumerable<StageCacheEntry> ListStages() => Read(db => db.GetCollection(StagesCollection).FindAll().Select(RunBson.ToStage).ToList());

    public void ImportModel(string model, IReadOnlyList<ModelVersion> versions, IReadOnlyList<Transition> history, IReadOnlyList<GateRun> gateRuns)
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(gateRuns);
        var counters = ModelImport.Check(model, versions, history, gateRuns);
        Write(db =>
        {
            var models = db.GetCollection(ModelsCollection);
            if (models.FindById(model) is not null || db.GetCollection(VersionsCollection).Exists(Query.EQ("model", model)))
                throw ModelImport.Exists(model, Location);
            db.GetCollection(VersionsCollection).InsertBulk(versions.Select(ModelBson.ToBson));
            db.GetCollection(HistoryCollection).InsertBulk(history.Select(ModelBson.ToBson));
            // Gate runs keep their order: the sequence AddGateRun would have given them.
            db.GetCollection(GateRunsCollection).InsertBulk(gateRuns.Select((g, i) => ModelBson.ToBson(g, i + 1L)));
            models.Insert(new BsonDocument
            {
                ["_id"] = model, ["latest"] = counters.LatestVersion, ["seq"] = counters.HistorySequence, ["gseq"] = counters.GateSequence,
                ["updated"] = counters.UpdatedAt.UtcTicks,
            });
        });
    }
}
