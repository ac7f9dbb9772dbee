using System.IO.Compression;
using System.Text.Json;
using MlOps.Tracking;

namespace MlOps.Pipeline;

/// <summary>
/// One-file run exchange (what `dvc exp push/pull` gave the published use case): a zip holding run.json,
/// details.json and the run's artifacts named by their SHA-256, so the receiving store can verify every byte.
/// </summary>
internal static class RunExchange
{
    private const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private sealed record Manifest(int Format, Run Run, RunDetails? Details);

    public static void Export(IRunStore store, Run run, string file)
    {
        if (run.Status != RunStatus.Finished)
            throw new MlOpsException($"Run {run.Id} is {run.Status.ToString().ToLowerInvariant()}, not finished: only finished runs can be exported. Pick a finished run.");
        var directory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(file)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var zip = ZipFile.Open(temp, ZipArchiveMode.Create))
            {
                var manifest = new Manifest(FormatVersion, run, store.FindDetails(run.Id));
                using (var writer = zip.CreateEntry("run.json").Open())
                    JsonSerializer.Serialize(writer, manifest, Json);
                foreach (var artifact in new[] { run.Model, run.Featurizer }.OfType<ArtifactRef>())
                {
                    using var source = store.Artifacts.OpenVerified(artifact);
                    using var target = zip.CreateEntry("artifacts/" + artifact.Sha256).Open();
                    source.CopyTo(target);
                }
            }
            File.Move(temp, file, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public static Run Import(IRunStore store, string file)
    {
        if (!File.Exists(file))
            throw new MlOpsException($"Export file '{file}' does not exist. Check the path (exports are written by `mlops experiment export`).");
        Manifest manifest;
        try
        {
            using var zip = ZipFile.OpenRead(file);
            var entry = zip.GetEntry("run.json") ?? throw new InvalidDataException("run.json missing");
            using (var stream = entry.Open())
                manifest = JsonSerializer.Deserialize<Manifest>(stream, Json) ?? throw new InvalidDataException("empty run.json");
            if (manifest.Format > FormatVersion)
                throw new MlOpsException($"'{file}' was exported by a newer MlOps (format {manifest.Format}). Upgrade mlops to import it.");
            var existing = store.FindRun(manifest.Run.Id);
            if (existing is not null)
                return existing; // already here: importing twice is harmless
            foreach (var artifact in new[] { manifest.Run.Model, manifest.Run.Featurizer }.OfType<ArtifactRef>())
            {
                var part = zip.GetEntry("artifacts/" + artifact.Sha256) ?? throw new InvalidDataException($"artifact {artifact.Sha256} missing");
                using var source = part.Open();
                var stored = store.Artifacts.Put(s => source.CopyTo(s), artifact.Kind);
                if (stored.Sha256 != artifact.Sha256)
                    throw new MlOpsException($"Artifact {artifact.Sha256} in '{file}' is corrupted (its bytes hash to {stored.Sha256}). Export the run again.");
            }
        }
        catch (Exception e) when (e is InvalidDataException or JsonException)
        {
            throw new MlOpsException($"'{file}' is not a run export ({e.Message}). Use a file written by `mlops experiment export`.", e);
        }
        if (manifest.Details is { } details)
            store.SaveDetails(details);
        store.SaveRun(manifest.Run);
        return manifest.Run;
    }
}
