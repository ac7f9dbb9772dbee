using System.IO.Compression;
using System.Text.Json;
using MlOps.Tracking;

namespace MlOps.Pipeline;

/// <summary>
/// The experiment engine's entry point: run experiments (with sweeps and the stage cache), browse, compare,
/// and move runs between stores. Every surface (CLI, notebook, API) goes through here.
/// </summary>
public sealed class Experiments
{
    private readonly IRunStore _store;
    private readonly TimeProvider _clock;

    public Experiments(IRunStore store, TimeProvider? clock = null)
    {
        _store = store;
        _clock = clock ?? TimeProvider.System;
    }

    public IRunStore Store => _store;

    public ExperimentResult Run(ExperimentRequest request, IProgress<RunProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
            throw new MlOpsException("An experiment needs a name. Give one with --name (e.g. --name rankings).");
        return new ExperimentRunner(_store, _clock, request, progress).Run(cancellation);
    }

    public IReadOnlyList<Run> List(RunQuery query) => _store.QueryRuns(query);

    public IReadOnlyList<ExperimentSummary> ListExperiments() => _store.ListExperiments();

    /// <summary>The best finished run of an experiment by a metric (default: the task's primary metric).</summary>
    public Run? Best(string experiment, string? metric = null)
    {
        var any = _store.QueryRuns(new RunQuery { Experiment = experiment, Status = RunStatus.Finished, Limit = 1 }).FirstOrDefault();
        if (any is null)
            return null;
        metric ??= Training.TrainerCatalog.PrimaryMetric(Training.MlTaskNames.Parse(any.Task));
        return _store.QueryRuns(new RunQuery
        {
            Experiment = experiment, Status = RunStatus.Finished, OrderByMetric = metric,
            Descending = Training.TrainerCatalog.HigherIsBetter(metric), Limit = 1,
        }).FirstOrDefault();
    }

    public Run Show(string idOrPrefix) =>
        _store.FindRun(idOrPrefix) ?? throw new MlOpsException(
            $"No run '{idOrPrefix}' in the store at {_store.Location}. List runs with `mlops experiment list` and use an id (or a unique prefix of 4+ characters).");

    public RunDetails? Details(string runId) => _store.FindDetails(runId);

    public RunComparison Compare(IReadOnlyList<string> idsOrPrefixes, bool allParams = false)
    {
        if (idsOrPrefixes.Count < 2)
            throw new MlOpsException("Compare needs at least two runs. Give two or more run ids (or unique prefixes).");
        var runs = idsOrPrefixes.Select(Show).ToList();
        return RunComparison.Of(runs, runs.Select(r => _store.FindDetails(r.Id)).ToList(), allParams);
    }

    /// <summary>Write a run with its details and artifacts to one zip file, for a colleague's store.</summary>
    public void Export(string idOrPrefix, string file) => RunExchange.Export(_store, Show(idOrPrefix), file);

    /// <summary>Read a file written by <see cref="Export"/> into this store; artifacts are verified by hash.</summary>
    public Run Import(string file) => RunExchange.Import(_store, file);
}
