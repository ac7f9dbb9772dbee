namespace MlOps.Pipeline;

/// <summary>
/// `--set key=value[,value...]` overrides. A comma list on a scalar key is a sweep: the grid of all
/// combinations runs as separate runs of one experiment. On list-valued keys (features, categorical)
/// commas separate items, and '|' separates sweep alternatives instead. An empty value (key=) removes the key.
/// </summary>
public static class ParamOverrides
{
    private static bool IsListKey(string key) =>
        key is "featurize.features" or "featurize.categorical" || key.StartsWith("featurize.features.", StringComparison.Ordinal);

    public static KeyValuePair<string, IReadOnlyList<string>> Parse(string assignment)
    {
        var equals = assignment.IndexOf('=');
        if (equals <= 0)
            throw new MlOpsException(
                $"'--set {assignment}' is not of the form key=value. Write e.g. --set train.numberOfTrees=100 (or =64,100,200 to sweep).");
        var key = assignment[..equals].Trim();
        var value = assignment[(equals + 1)..].Trim();
        var separator = IsListKey(key) ? '|' : ',';
        var alternatives = value.Split(separator, StringSplitOptions.TrimEntries);
        if (alternatives.Any(a => a.Length == 0) && alternatives.Length > 1)
            throw new MlOpsException($"'--set {assignment}' has an empty value in its list. Remove the extra '{separator}'.");
        return new(key, alternatives);
    }

    /// <summary>The grid: one parameter set per combination, in a stable order (first key varies slowest).</summary>
    public static IReadOnlyList<ParamSet> Expand(ParamSet baseParams, IEnumerable<string> assignments)
    {
        var parsed = assignments.Select(Parse).ToList();
        IReadOnlyList<ParamSet> grid = [baseParams];
        foreach (var (key, alternatives) in parsed)
            grid = grid.SelectMany(p => alternatives.Select(a => a.Length == 0 ? p.Without(key) : p.With(key, a))).ToList();
        return grid;
    }
}
