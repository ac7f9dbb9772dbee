using Npgsql;
using MlOps.Registry;

namespace MlOps.Storage.Postgres;

/// <summary>
/// The model registry (<see cref="IModelRegistryStore"/>) and migration's exact model copy, behaving as the LiteDB
/// store does. Every write locks the model's row first (SELECT ... FOR UPDATE), so version numbers and history
/// sequences stay gapless and each check-then-write sees the last committed state; "at most one Production version"
/// is the unique index model_versions_one_production, which holds even against writers that skip the lock.
/// A version's stage and aliases are columns (for the index and for people) and part of its doc, kept equal.
/// </summary>
public sealed partial class PostgresStore
{
    private const string OneProduction = "model_versions_one_production";

    private sealed record ModelRow(int Latest, long HistorySequence, long GateSequence);

    public ModelVersion AddVersion(ModelVersion draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        RegistryNames.ValidateModel(draft.Model);
        return Write((connection, transaction) =>
        {
            var model = LockModel(connection, transaction, draft.Model, create: true)!;
            var existing = Query(connection, transaction,
                new Statement("SELECT version FROM model_versions WHERE model = $1 AND run_id = $2", draft.Model, draft.RunId), r => r.GetInt32(0));
            if (existing is [var version])
                throw new MlOpsException(
                    $"Run {draft.RunId} is already registered as version {version} of '{draft.Model}'. " +
                    $"Use that version (`mlops models show {draft.Model}`), or register a different run.");
            var added = draft with { Version = model.Latest + 1, Stage = ModelStage.None, Aliases = [] };
            Execute(connection, transaction,
            [
                InsertVersion(added),
                new Statement("UPDATE models SET latest = $2, updated_ticks = $3 WHERE name = $1", added.Model, added.Version, added.CreatedAt.UtcTicks),
            ]);
            return added;
        });
    }

    public ModelVersion? FindVersion(string model, int version) => Read(connection => FindVersion(connection, null, model, version));

    public IReadOnlyList<ModelVersion> ListVersions(string model) => Read(connection =>
        Query(connection, null, new Statement("SELECT doc FROM model_versions WHERE model = $1 ORDER BY version", model), Doc<ModelVersion>));

    public IReadOnlyList<ModelSummary> ListModels() => Read(connection => Query(connection, null, new Statement(
            """
            SELECT m.name, m.latest, p.version, m.updated_ticks FROM models m
            LEFT JOIN model_versions p ON p.model = m.name AND p.stage = 'Production'
            ORDER BY m.name
            """),
        r => new ModelSummary(r.GetString(0), r.GetInt32(1), r.GetInt32(1), r.IsDBNull(2) ? null : r.GetInt32(2),
            new DateTimeOffset(r.GetInt64(3), TimeSpan.Zero))));

    public bool TryChangeStage(StageChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var t = change.Transition;
        try
        {
            return Write((connection, transaction) =>
            {
                var model = LockModel(connection, transaction, t.Model);
                var target = (model is null ? null : FindVersion(connection, transaction, t.Model, t.Version)) ?? throw NoVersion(t.Model, t.Version);
                var production = Query(connection, transaction,
                    new Statement("SELECT doc FROM model_versions WHERE model = $1 AND stage = 'Production'", t.Model), Doc<ModelVersion>).SingleOrDefault();
                // Compare-and-set: the caller's gates judged the version against this state; if it moved, they must judge again.
                if (target.Stage != change.ExpectedFrom || production?.Version != change.ExpectedProduction)
                    return false;

                var sequence = model!.HistorySequence;
                var statements = new List<Statement>();
                var history = new List<Transition> { t with { Sequence = ++sequence } };
                if (t.To == ModelStage.Production && production is not null && production.Version != t.Version)
                {
                    // The displaced version leaves Production first: the unique index allows one Production row at any moment.
                    statements.Add(UpdateVersion(production with { Stage = change.DisplacedTo }));
                    history.Add(t with
                    {
                        Version = production.Version, Sequence = ++sequence, From = ModelStage.Production, To = change.DisplacedTo,
                        Reason = $"replaced in Production by v{t.Version}: {t.Reason}", Gates = [],
                    });
                }
                statements.Add(UpdateVersion(target with { Stage = t.To }));
                statements.AddRange(history.Select(InsertTransition));
                statements.Add(new Statement("UPDATE models SET history_seq = $2, updated_ticks = $3 WHERE name = $1", t.Model, sequence, t.At.UtcTicks));
                Execute(connection, transaction, statements);
                return true;
            });
        }
        catch (MlOpsException e) when (IsSecondProduction(e))
        {
            // Another writer made a Production version without this code's lock: the expectation no longer holds.
            return false;
        }
    }

    public IReadOnlyList<Transition> History(string model) => Read(connection =>
        Query(connection, null, new Statement("SELECT doc FROM model_history WHERE model = $1 ORDER BY seq", model), Doc<Transition>));

    public void AddGateRun(GateRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        RegistryNames.ValidateModel(run.Model);
        Write((connection, transaction) =>
        {
            var sequence = LockModel(connection, transaction, run.Model, create: true)!.GateSequence + 1;
            Execute(connection, transaction,
            [
                InsertGateRun(run, sequence),
                new Statement("UPDATE models SET gate_seq = $2 WHERE name = $1", run.Model, sequence),
            ]);
        });
    }

    public IReadOnlyList<GateRun> GateRuns(string model, int? version = null) => Read(connection => Query(connection, null,
        new Statement("SELECT doc FROM gate_runs WHERE model = $1 AND ($2::integer IS NULL OR version = $2) ORDER BY seq", model, version),
        Doc<GateRun>));

    public void SetAlias(string model, string alias, int? version)
    {
        RegistryNames.ValidateModel(model);
        RegistryNames.ValidateAlias(alias);
        Write((connection, transaction) =>
        {
            var exists = LockModel(connection, transaction, model) is not null;
            if (version is { } v && (!exists || FindVersion(connection, transaction, model, v) is null))
                throw NoVersion(model, v);
            var holders = Query(connection, transaction,
                new Statement("SELECT doc FROM model_versions WHERE model = $1 AND ($2 = ANY (aliases) OR version = $3) ORDER BY version", model, alias, version),
                Doc<ModelVersion>);
            var updates = new List<Statement>();
            foreach (var holder in holders)
            {
                var aliases = holder.Aliases.Where(a => a != alias).ToList();
                if (holder.Version == version) aliases.Add(alias);
                // Same set as before: left as it is (the LiteDB store keeps the old order too).
                if (aliases.Count == holder.Aliases.Count && !aliases.Except(holder.Aliases).Any()) continue;
                updates.Add(UpdateVersion(holder with { Aliases = aliases }));
            }
            Execute(connection, transaction, updates);
        });
    }

    public void ImportModel(string model, IReadOnlyList<ModelVersion> versions, IReadOnlyList<Transition> history, IReadOnlyList<GateRun> gateRuns)
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(gateRuns);
        var counters = ModelImport.Check(model, versions, history, gateRuns);
        var statements = new List<Statement>
        {
            new("UPDATE models SET latest = $2, history_seq = $3, gate_seq = $4, updated_ticks = $5 WHERE name = $1",
                model, counters.LatestVersion, counters.HistorySequence, counters.GateSequence, counters.UpdatedAt.UtcTicks),
        };
        statements.AddRange(versions.Select(InsertVersion));
        statements.AddRange(history.Select(InsertTransition));
        statements.AddRange(gateRuns.Select((g, i) => InsertGateRun(g, i + 1L)));
        Write((connection, transaction) =>
        {
            var created = Execute(connection, transaction, new Statement(
                "INSERT INTO models (name, latest, history_seq, gate_seq, updated_ticks) VALUES ($1, 0, 0, 0, 0) ON CONFLICT (name) DO NOTHING", model));
            if (created == 0)
                throw ModelImport.Exists(model, Location);
            Execute(connection, transaction, statements);
        });
    }

    /// <summary>Lock the model's row for this transaction (creating it first when asked); null when the model does not exist.</summary>
    private static ModelRow? LockModel(NpgsqlConnection connection, NpgsqlTransaction transaction, string model, bool create = false)
    {
        if (create)
            Execute(connection, transaction, new Statement(
                "INSERT INTO models (name, latest, history_seq, gate_seq, updated_ticks) VALUES ($1, 0, 0, 0, 0) ON CONFLICT (name) DO NOTHING", model));
        return Query(connection, transaction, new Statement("SELECT latest, history_seq, gate_seq FROM models WHERE name = $1 FOR UPDATE", model),
            r => new ModelRow(r.GetInt32(0), r.GetInt64(1), r.GetInt64(2))).SingleOrDefault();
    }

    private static ModelVersion? FindVersion(NpgsqlConnection connection, NpgsqlTransaction? transaction, string model, int version) =>
        Query(connection, transaction, new Statement("SELECT doc FROM model_versions WHERE model = $1 AND version = $2", model, version), Doc<ModelVersion>)
            .SingleOrDefault();

    private static MlOpsException NoVersion(string model, int version) =>
        new($"Model '{model}' has no version {version}. List its versions with `mlops models show {model}`.");

    private static bool IsSecondProduction(MlOpsException e) =>
        e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: OneProduction };

    private static Statement InsertVersion(ModelVersion v) => new(
        "INSERT INTO model_versions (model, version, run_id, stage, aliases, doc) VALUES ($1, $2, $3, $4, $5, $6)",
        v.Model, v.Version, v.RunId, v.Stage.ToString(), v.Aliases.ToArray(), JsonValue.Of(v));

    private static Statement UpdateVersion(ModelVersion v) => new(
        "UPDATE model_versions SET stage = $3, aliases = $4, doc = $5 WHERE model = $1 AND version = $2",
        v.Model, v.Version, v.Stage.ToString(), v.Aliases.ToArray(), JsonValue.Of(v));

    private static Statement InsertTransition(Transition t) => new(
        "INSERT INTO model_history (model, seq, version, doc) VALUES ($1, $2, $3, $4)", t.Model, t.Sequence, t.Version, JsonValue.Of(t));

    private static Statement InsertGateRun(GateRun run, long sequence) => new(
        "INSERT INTO gate_runs (model, seq, version, doc) VALUES ($1, $2, $3, $4)", run.Model, sequence, run.Version, JsonValue.Of(run));
}
