using LiteDB;
using MlOps.Registry;

namespace MlOps.Storage.LiteDb;

/// <summary>
/// The model registry half of the store: same file, same lock, new collections, so one <c>--store</c> holds runs and
/// models. Every check-then-write (next version number, run registered twice, at most one Production version) runs
/// inside one write transaction under the exclusive lock file, so two processes can never both pass the check.
/// </summary>
public sealed partial class LiteDbRunStore
{
    private const string ModelsCollection = "models";
    private const string VersionsCollection = "model_versions";
    private const string HistoryCollection = "model_history";
    private const string GateRunsCollection = "model_gate_runs";

    private static void InitializeRegistry(LiteDatabase db)
    {
        db.GetCollection(VersionsCollection).EnsureIndex("model", "$.model");
        db.GetCollection(HistoryCollection).EnsureIndex("model", "$.model");
        db.GetCollection(GateRunsCollection).EnsureIndex("model", "$.model");
    }

    public ModelVersion AddVersion(ModelVersion draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        RegistryNames.ValidateModel(draft.Model);
        return WriteResult(db =>
        {
            var versions = db.GetCollection(VersionsCollection);
            var existing = versions.Query().Where("$.model = @0 AND $.run = @1", draft.Model, draft.RunId).FirstOrDefault();
            if (existing is not null)
                throw new MlOpsException(
                    $"Run {draft.RunId} is already registered as version {existing["version"].AsInt32} of '{draft.Model}'. " +
                    $"Use that version (`mlops models show {draft.Model}`), or register a different run.");
            var model = ModelDoc(db, draft.Model);
            var added = draft with { Version = model["latest"].AsInt32 + 1, Stage = ModelStage.None, Aliases = [] };
            versions.Insert(ModelBson.ToBson(added));
            model["latest"] = added.Version;
            model["updated"] = added.CreatedAt.UtcTicks;
            db.GetCollection(ModelsCollection).Upsert(model);
            return added;
        });
    }

    public ModelVersion? FindVersion(string model, int version) => Read(db =>
        db.GetCollection(VersionsCollection).FindById(ModelBson.VersionId(model, version)) is { } doc ? ModelBson.ToVersion(doc) : null);

    public IReadOnlyList<ModelVersion> ListVersions(string model) => Read(db => Versions(db, model).Select(ModelBson.ToVersion).ToList());

    public IReadOnlyList<ModelSummary> ListModels() => Read(db =>
        db.GetCollection(ModelsCollection).FindAll()
            .Select(m =>
            {
                var name = m["_id"].AsString;
                var production = Versions(db, name).FirstOrDefault(v => v["stage"].AsString == nameof(ModelStage.Production));
                return new ModelSummary(name, m["latest"].AsInt32, m["latest"].AsInt32, production?["version"].AsInt32,
                    new DateTimeOffset(m["updated"].AsInt64, TimeSpan.Zero));
            })
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToList());

    public bool TryChangeStage(StageChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var t = change.Transition;
        return WriteResult(db =>
        {
            var versions = db.GetCollection(VersionsCollection);
            var doc = versions.FindById(ModelBson.VersionId(t.Model, t.Version))
                ?? throw new MlOpsException($"Model '{t.Model}' has no version {t.Version}. List its versions with `mlops models show {t.Model}`.");
            var production = Versions(db, t.Model).FirstOrDefault(v => v["stage"].AsString == nameof(ModelStage.Production));
            // Compare-and-set: the caller's gates judged the version against this state; if it moved, they must judge again.
            if (doc["stage"].AsString != change.ExpectedFrom.ToString() || production?["version"].AsInt32 != change.ExpectedProduction)
                return false;

            var model = ModelDoc(db, t.Model);
            var history = db.GetCollection(HistoryCollection);
            var sequence = model["seq"].AsInt64;
            doc["stage"] = t.To.ToString();
            versions.Update(doc);
            history.Insert(ModelBson.ToBson(t with { Sequence = ++sequence }));
            if (t.To == ModelStage.Production && production is not null && production["version"].AsInt32 != t.Version)
            {
                production["stage"] = change.DisplacedTo.ToString();
                versions.Update(production);
                history.Insert(ModelBson.ToBson(t with
                {
                    Version = production["version"].AsInt32, Sequence = ++sequence, From = ModelStage.Production, To = change.DisplacedTo,
                    Reason = $"replaced in Production by v{t.Version}: {t.Reason}", Gates = [],
                }));
            }
            model["seq"] = sequence;
            model["updated"] = t.At.UtcTicks;
            db.GetCollection(ModelsCollection).Upsert(model);
            return true;
        });
    }

    public IReadOnlyList<Transition> History(string model) => Read(db =>
        db.GetCollection(HistoryCollection).Find(Query.EQ("model", model))
            .Select(ModelBson.ToTransition).OrderBy(t => t.Sequence).ToList());

    public void AddGateRun(GateRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        RegistryNames.ValidateModel(run.Model);
        Write(db =>
        {
            var model = ModelDoc(db, run.Model);
            var sequence = model["gseq"].AsInt64 + 1;
            db.GetCollection(GateRunsCollection).Insert(ModelBson.ToBson(run, sequence));
            model["gseq"] = sequence;
            db.GetCollection(ModelsCollection).Upsert(model);
        });
    }

    public IReadOnlyList<GateRun> GateRuns(string model, int? version = null) => Read(db =>
        db.GetCollection(GateRunsCollection).Find(Query.EQ("model", model))
            .Where(d => version is null || d["version"].AsInt32 == version)
            .OrderBy(d => d["seq"].AsInt64)
            .Select(ModelBson.ToGateRun).ToList());

    public void SetAlias(string model, string alias, int? version)
    {
        RegistryNames.ValidateModel(model);
        RegistryNames.ValidateAlias(alias);
        Write(db =>
        {
            var versions = db.GetCollection(VersionsCollection);
            if (version is { } v && versions.FindById(ModelBson.VersionId(model, v)) is null)
                throw new MlOpsException($"Model '{model}' has no version {v}. List its versions with `mlops models show {model}`.");
            foreach (var doc in Versions(db, model))
            {
                var aliases = doc["aliases"].AsArray.Select(a => a.AsString).Where(a => a != alias).ToList();
                if (doc["version"].AsInt32 == version) aliases.Add(alias);
                if (aliases.Count == doc["aliases"].AsArray.Count && !aliases.Except(doc["aliases"].AsArray.Select(a => a.AsString)).Any()) continue;
                doc["aliases"] = new BsonArray(aliases.Select(a => new BsonValue(a)));
                versions.Update(doc);
            }
        });
    }

    private static IEnumerable<BsonDocument> Versions(LiteDatabase db, string model) =>
        db.GetCollection(VersionsCollection).Find(Query.EQ("model", model)).OrderBy(d => d["version"].AsInt32);

    private static BsonDocument ModelDoc(LiteDatabase db, string model) =>
        db.GetCollection(ModelsCollection).FindById(model)
        ?? new BsonDocument { ["_id"] = model, ["latest"] = 0, ["seq"] = 0L, ["gseq"] = 0L, ["updated"] = 0L };

    private T WriteResult<T>(Func<LiteDatabase, T> write)
    {
        T result = default!;
        Write(db => { result = write(db); });
        return result;
    }
}
