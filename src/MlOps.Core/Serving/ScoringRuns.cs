using System.Globalization;
using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Serving;

/// <summary>
/// Scoring recorded as runs of experiment <c>&lt;model&gt;.scoring</c>, as MLflow users log each scoring: batch files,
/// HTTP clients and in-process scoring alike, so `mlops experiment list --name &lt;model&gt;.scoring` shows them all.
/// </summary>
public static class ScoringRuns
{
    public static string Experiment(string model) => model + ".scoring";

    /// <summary>A running scoring run of <paramref name="version"/> (not saved); <paramref name="source"/> is batch, http or in-process.</summary>
    public static Run Started(ModelVersion version, string source, IReadOnlyDictionary<string, string>? parameters, DateTimeOffset at)
    {
        var all = new Dictionary<string, string>
        {
            ["model"] = version.Model,
            ["version"] = version.Version.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in parameters ?? new Dictionary<string, string>())
            all[key] = value;
        return new Run
        {
            Id = Guid.NewGuid().ToString("N"),
            Experiment = Experiment(version.Model),
            Status = RunStatus.Running,
            StartedAt = at,
            Task = version.Task,
            Trainer = version.Trainer,
            Params = all,
            Model = version.Artifact,
            Featurizer = version.Featurizer,
            Signature = version.Signature,
            Tags = new Dictionary<string, string> { ["source"] = source, ["user"] = Environment.UserName, ["run"] = version.RunId },
        };
    }

    /// <summary>Record a finished scoring (its metrics computed by the caller) in one write.</summary>
    public static Run Record(IRunStore store, ModelVersion version, string source, IReadOnlyDictionary<string, double> metrics,
        IReadOnlyDictionary<string, string>? parameters = null)
    {
        var now = DateTimeOffset.UtcNow;
        var run = Started(version, source, parameters, now) with { Status = RunStatus.Finished, EndedAt = now, Metrics = metrics };
        store.SaveRun(run);
        return run;
    }
}
