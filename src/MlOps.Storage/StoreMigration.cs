using System.Diagnostics;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Storage;

/// <summary>What a migration is doing now: "copy" or "verify", a record kind, how many so far, rows/s for the prediction log.</summary>
public sealed record MigrationProgress(string Phase, string Kind, long Records, double? RowsPerSecond = null);

/// <summary>One record kind after verification: counts and SHA-256 digests of both stores (see <see cref="StoreDigest"/>).</summary>
public sealed record KindVerification(string Kind, long Source, long Target, string Sha256, string TargetSha256)
{
    public bool Match => Source == Target && Sha256 == TargetSha256;
}

/// <summary>
/// The artifact sets after verification: <see cref="Missing"/> are in the source only, <see cref="Unexpected"/> in the
/// target only, <see cref="Corrupt"/> are files whose content no longer hashes to their address (never copied).
/// </summary>
public sealed record ArtifactVerification(long Source, long Target, long Bytes, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<string> Corrupt)
{
    public bool Match => Source == Target && Missing.Count == 0 && Unexpected.Count == 0 && Corrupt.Count == 0;
}

public sealed record MigrationResult(string From, string To, IReadOnlyList<KindVerification> Kinds, ArtifactVerification Artifacts, double Seconds)
{
    public bool Verified => Kinds.All(k => k.Match) && Artifacts.Match;

    /// <summary>One sentence naming every kind that differs, for the error line; empty when verified.</summary>
    public string Mismatch => string.Join("; ", Kinds.Where(k => !k.Match)
        .Select(k => k.Source != k.Target ? $"{k.Kind} (source {k.Source}, target {k.Target})" : $"{k.Kind} (same count {k.Source}, different content)")
        .Concat(Artifacts.Match ? [] : [ArtifactMismatch()]));

    private string ArtifactMismatch()
    {
        var parts = new List<string>();
        if (Artifacts.Corrupt.Count > 0) parts.Add($"corrupt: {string.Join(", ", Artifacts.Corrupt)}");
        if (Artifacts.Missing.Count > 0) parts.Add($"missing in the target: {string.Join(", ", Artifacts.Missing)}");
        if (Artifacts.Unexpected.Count > 0) parts.Add($"only in the target: {string.Join(", ", Artifacts.Unexpected)}");
        return $"artifacts (source {Artifacts.Source}, target {Artifacts.Target}; {string.Join("; ", parts)})";
    }
}

/// <summary>
/// `mlops store migrate`: copies every record and artifact of one store into an empty one (either backend to either),
/// then reads both back and compares them kind by kind (<see cref="StoreDigest"/>). No console: progress is reported.
/// </summary>
public static class StoreMigration
{
    public const int DefaultPredictionBatch = 5_000;

    /// <summary>Open both locations (a folder or a postgres:// URL) and migrate. The source must exist; the target must be empty.</summary>
    public static MigrationResult Run(string from, string to, IProgress<MigrationProgress>? progress = null, int predictionBatch = DefaultPredictionBatch)
    {
        using var source = Stores.OpenExisting(from);
        using var target = Stores.OpenAt(to);
        return Run(source, target, progress, predictionBatch);
    }

    public static MigrationResult Run(IMlOpsStore source, IMlOpsStore target, IProgress<MigrationProgress>? progress = null, int predictionBatch = DefaultPredictionBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(predictionBatch, 1);
        if (source.Location == target.Location)
            throw new MlOpsException($"--from and --to are the same store ({source.Location}). Name a new, empty store as --to.");
        var clock = Stopwatch.StartNew();
        var models = StoreDigest.ModelsOf(source);
        RefuseNonEmpty(source, target, models);

        CopyArtifacts(source, target, progress);
        CopyRuns(source, target, progress);
        Copy(progress, StoreDigest.Models, source.ListModels().Select(m => m.Name),
            model => target.ImportModel(model, source.ListVersions(model), source.History(model), source.GateRuns(model)));
        Copy(progress, StoreDigest.Deployments, source.ListDeployments(), target.SaveDeployment);
        CopyPredictions(source, target, models, progress, predictionBatch);
        Copy(progress, StoreDigest.Profiles, models.SelectMany(m => source.ListVersions(m).Select(v => source.FindProfile(m, v.Version))).OfType<Monitoring.ReferenceProfile>(), target.SaveProfile);
        Copy(progress, StoreDigest.Checks, models.SelectMany(m => source.ListChecks(m)), target.SaveCheck);
        Copy(progress, StoreDigest.Decisions, models.SelectMany(source.ListDecisions), target.SaveDecision);
        Copy(progress, StoreDigest.Catalog, source.ReadRecords(), target.AppendRecord);
        return Verify(source, target, progress) with { Seconds = clock.Elapsed.TotalSeconds };
    }

    /// <summary>
    /// Compare two stores: per kind, the count and digest of what each holds (<see cref="StoreDigest"/>); the artifact
    /// address sets, each file of both re-hashed. A migration ends with it; on its own it checks any two stores.
    /// </summary>
    public static MigrationResult Verify(IMlOpsStore source, IMlOpsStore target, IProgress<MigrationProgress>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var kinds = StoreDigest.Kinds.Select(kind =>
        {
            var from = StoreDigest.Of(source, kind);
            var to = StoreDigest.Of(target, kind);
            progress?.Report(new MigrationProgress("verify", kind, to.Count));
            return new KindVerification(kind, from.Count, to.Count, from.Sha256, to.Sha256);
        }).ToList();
        var artifacts = VerifyArtifacts(source, target);
        progress?.Report(new MigrationProgress("verify", "artifacts", artifacts.Target));
        return new MigrationResult(source.Location, target.Location, kinds, artifacts, clock.Elapsed.TotalSeconds);
    }

    /// <summary>A migration never merges: anything in the target (records of any kind, artifacts) is refused, in one message.</summary>
    private static void RefuseNonEmpty(IMlOpsStore source, IMlOpsStore target, IReadOnlyList<string> sourceModels)
    {
        var models = sourceModels.Union(StoreDigest.ModelsOf(target)).ToList();
        var held = new (string What, long Count)[]
        {
            ("runs", target.ListExperiments().Sum(e => (long)e.Runs)),
            ("stage cache entries", target.ListStages().LongCount()),
            ("models", target.ListModels().Count),
            ("deployments", target.ListDeployments().Count),
            ("logged predictions", models.Sum(m => target.CountPredictions(m))),
            ("reference profiles", sourceModels.Sum(m => source.ListVersions(m).Count(v => target.FindProfile(m, v.Version) is not null))),
            ("monitoring checks", models.Sum(m => target.ListChecks(m).Count)),
            ("decisions", models.Sum(m => target.ListDecisions(m).Count)),
            ("catalog records", target.ReadRecords().Count),
            ("artifacts", target.Artifacts.ListHashes().LongCount()),
        }.Where(h => h.Count > 0).ToList();
        if (held.Count == 0)
            return;
        var where = target.Artifacts is FileArtifactStore files && held.Any(h => h.What == "artifacts") ? $" (artifacts in {files.Root})" : "";
        throw new MlOpsException(
            $"The target store {target.Location} is not empty: it holds {string.Join(", ", held.Select(h => $"{h.What}: {h.Count}"))}{where}. " +
            "A migration only fills an empty store: name a new folder, or a new database (postgres://user@host:5432/<new name>, created on first use) " +
            "with its own artifact directory (?artifacts=/path).");
    }

    private static void Copy<T>(IProgress<MigrationProgress>? progress, string kind, IEnumerable<T> records, Action<T> save)
    {
        long count = 0;
        foreach (var record in records)
        {
            save(record);
            count++;
        }
        progress?.Report(new MigrationProgress("copy", kind, count));
    }

    /// <summary>Each run with its details and the cache entries it produced in one write; entries of runs no longer stored on their own.</summary>
    private static void CopyRuns(IMlOpsStore source, IMlOpsStore target, IProgress<MigrationProgress>? progress)
    {
        var stages = source.ListStages().ToLookup(s => s.RunId, StringComparer.Ordinal);
        var runs = source.QueryRuns(new RunQuery());
        long details = 0;
        foreach (var run in runs)
        {
            var detail = source.FindDetails(run.Id);
            if (detail is not null) details++;
            target.SaveBatch(run, detail, stages[run.Id].ToList());
        }
        var ids = runs.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var orphans = stages.Where(g => !ids.Contains(g.Key)).SelectMany(g => g).ToList();
        foreach (var stage in orphans)
            target.SaveStage(stage);
        progress?.Report(new MigrationProgress("copy", StoreDigest.Runs, runs.Count));
        progress?.Report(new MigrationProgress("copy", StoreDigest.Details, details));
        progress?.Report(new MigrationProgress("copy", StoreDigest.Stages, stages.Sum(g => g.LongCount())));
    }

    /// <summary>The prediction log streamed in batches (each one transaction): never held whole in memory.</summary>
    private static void CopyPredictions(IMlOpsStore source, IMlOpsStore target, IReadOnlyList<string> models, IProgress<MigrationProgress>? progress, int batchSize)
    {
        var clock = Stopwatch.StartNew();
        long copied = 0;
        var batch = new List<LoggedPrediction>(batchSize);
        void Flush()
        {
            if (batch.Count == 0) return;
            target.AppendPredictions(batch);
            copied += batch.Count;
            batch = new List<LoggedPrediction>(batchSize);
            progress?.Report(new MigrationProgress("copy", StoreDigest.Predictions, copied, copied / Math.Max(clock.Elapsed.TotalSeconds, 1e-3)));
        }
        foreach (var model in models)
            foreach (var prediction in source.ReadPredictions(model))
            {
                batch.Add(prediction);
                if (batch.Count == batchSize) Flush();
            }
        Flush();
        if (copied == 0) progress?.Report(new MigrationProgress("copy", StoreDigest.Predictions, 0, 0));
    }

    /// <summary>Every artifact, read verified: a source file whose content no longer matches its address is not copied (verification names it).</summary>
    private static void CopyArtifacts(IMlOpsStore source, IMlOpsStore target, IProgress<MigrationProgress>? progress)
    {
        long copied = 0;
        foreach (var sha in source.Artifacts.ListHashes().Order(StringComparer.Ordinal))
        {
            Stream stream;
            try
            {
                stream = source.Artifacts.OpenVerified(new ArtifactRef(sha, 0, "artifact"));
            }
            catch (MlOpsException)
            {
                continue;
            }
            using (stream)
            {
                var stored = target.Artifacts.Put(s => stream.CopyTo(s), "artifact");
                if (!string.Equals(stored.Sha256, sha, StringComparison.OrdinalIgnoreCase))
                    throw new MlOpsException($"Artifact {sha} changed while it was copied (the target received {stored.Sha256}). Stop every process writing to the source and migrate again into a new target.");
            }
            copied++;
        }
        progress?.Report(new MigrationProgress("copy", "artifacts", copied));
    }

    /// <summary>The two sets of addresses must be equal, and every file on both sides must hash to its address (re-read here).</summary>
    private static ArtifactVerification VerifyArtifacts(IMlOpsStore source, IMlOpsStore target)
    {
        var corrupt = new List<string>();
        long bytes = 0;
        HashSet<string> Check(IArtifactStore artifacts)
        {
            var hashes = artifacts.ListHashes().ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var sha in hashes.Order(StringComparer.Ordinal))
                try
                {
                    using var stream = artifacts.OpenVerified(new ArtifactRef(sha, 0, "artifact"));
                    bytes += stream.Length;
                }
                catch (MlOpsException)
                {
                    corrupt.Add(sha);
                }
            return hashes;
        }
        var from = Check(source.Artifacts);
        var sourceBytes = bytes;
        var to = Check(target.Artifacts);
        return new ArtifactVerification(from.Count, to.Count, sourceBytes,
            from.Except(to).Order(StringComparer.Ordinal).ToList(), to.Except(from).Order(StringComparer.Ordinal).ToList(), corrupt.Distinct().ToList());
    }
}
