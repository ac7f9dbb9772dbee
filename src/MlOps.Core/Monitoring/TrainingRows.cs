using MlOps.Data;
using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Monitoring;

/// <summary>
/// The raw rows a registered version was trained on, for its <see cref="ReferenceProfile"/>. The stage cache holds
/// only featurized rows (numbers filled, categories coded, derived inputs gone), so the raw data is re-read from the
/// run's params (data.path, data.file), checked against the version's data fingerprint (the profile must describe
/// what the model saw, not what the file holds today), filtered with the model's filter, and reduced to the training
/// side of the run's split (its mask from the stage cache, as the gates use it).
/// </summary>
public static class TrainingRows
{
    public static Table Load(ModelVersion version, IRunStore runs, string? dataPath = null)
    {
        var name = $"'{version.Model}' v{version.Version}";
        var path = dataPath ?? version.Params.GetValueOrDefault("data.path")
            ?? throw new MlOpsException($"{name} has no data.path parameter (it was trained on an in-memory table). Build its profile from the table with ReferenceProfile.Build.");
        var file = version.Params.GetValueOrDefault("data.file") is { Length: > 0 } f ? f : null;
        var files = TableLoader.Files(path, file);
        var hash = Hashing.ContentHash.Combine(files.SelectMany(x => new[] { Path.GetFileName(x), Hashing.ContentHash.OfFile(x).Hex }).ToArray()).Hex;
        if (version.Data is { } data && !string.Equals(data.Sha256, hash, StringComparison.OrdinalIgnoreCase))
            throw new MlOpsException(
                $"The data at {path} changed since {name} was trained on it (fingerprint {hash[..12]}, trained on {data.Sha256[..Math.Min(12, data.Sha256.Length)]}). " +
                "Point at the data it was trained on to build its reference profile.");
        var table = TableLoader.Load(path, file);

        var featurizer = ModelMonitor.ReadFeaturizer(version, runs.Artifacts);
        if (featurizer.CodeHash.Length > 0)
            throw new MlOpsException($"{name} was trained with custom C# steps that only its notebook can re-run. Build its profile there from the transformed table.");
        var reader = new ColumnReader(table);
        featurizer.AddDerivedColumns(reader);
        var rows = featurizer.Filter is { } filter ? Featurizer.Filter(reader, filter) : Enumerable.Range(0, table.RowCount).ToList();

        var isTest = SplitMask(version, runs);
        if (isTest is not null && isTest.Length == rows.Count)
            rows = rows.Where((_, i) => !isTest[i]).ToList();
        return WindowColumns.Rows(table, rows, table.Name + ".train");
    }

    // Null when the run or its split is no longer cached: the profile then covers every filtered row (train + test).
    private static bool[]? SplitMask(ModelVersion version, IRunStore runs)
    {
        var key = runs.FindRun(version.RunId)?.Stages.FirstOrDefault(s => s.Name == StageKeys.Split && s.Key.Length > 0)?.Key;
        if (key is null || runs.FindStage(key) is not { Output: { } output } || !runs.Artifacts.Contains(output.Sha256))
            return null;
        using var stream = runs.Artifacts.OpenVerified(output);
        return SplitSpec.ReadMask(stream);
    }
}
