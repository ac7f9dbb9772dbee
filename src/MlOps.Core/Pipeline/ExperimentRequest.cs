using MlOps.Data;

namespace MlOps.Pipeline;

/// <summary>What to run: the parameters (file + options, already merged), sweep overrides, and optional in-memory data/code.</summary>
public sealed record ExperimentRequest
{
    public required string Name { get; init; }

    /// <summary>Base parameters; see docs for the keys (data, featurize.*, split.*, train.*, evaluate.*, seed).</summary>
    public ParamSet Params { get; init; } = new();

    /// <summary>--set overrides; a comma list sweeps (the grid of combinations runs as separate runs).</summary>
    public IReadOnlyList<string> Sets { get; init; } = [];

    /// <summary>Ignore cached stage outputs and run every stage again.</summary>
    public bool Force { get; init; }

    /// <summary>Data given in memory (a DataFrame or IDataView converted with TableLoader); overrides the data parameter.</summary>
    public Table? Data { get; init; }

    public CustomSteps? Code { get; init; }

    /// <summary>How many runs train at once; default the core count.</summary>
    public int MaxParallel { get; init; } = Environment.ProcessorCount;

    /// <summary>Where the request came from (cli, notebook, api): stored as a tag.</summary>
    public string Source { get; init; } = "api";
}
