namespace MlOps.Monitoring;

/// <summary>
/// The decision engine: explicit rules, tried in this order, first match wins (docs/monitoring.md has the table).
/// <list type="number">
/// <item>Every check passed: no decision.</item>
/// <item>A model input column is missing from the window (<c>schema.missing_column</c>): <b>3</b>, change the inputs;
/// nothing else is worth judging while the model cannot see what it was trained on.</item>
/// <item>The data processing changed: numbers that no longer parse (<c>schema.type</c>), categories unseen in training
/// (<c>schema.new_category</c>) or a null-rate jump (<c>schema.null_rate</c>): <b>2b</b>, fix the processing; a retrain
/// would learn the broken pipeline.</item>
/// <item>A retrain was already tried and its model is still under the threshold: <b>2a</b>, search for a new model
/// (other trainers, parameters, <c>auto</c>).</item>
/// <item>Performance is down (measured on labels, or estimated from calibrated scores) and features drifted: <b>1</b>,
/// retrain on recent data with the stored pipeline.</item>
/// <item>Performance is down, no feature drifted, and the window has a column the training data lacked: <b>3</b>,
/// the relationship moved and the new column may carry what was lost.</item>
/// <item>Performance is down without drift (concept drift) or the window drifted as a whole (<c>drift.share</c>) or
/// in its predictions: <b>1</b>, retrain on recent data (the gates reject a retrain that is not better).</item>
/// <item>Otherwise (single features drifted, a new column, performance intact): no decision; the report says degraded
/// and the drift stays visible in the time view.</item>
/// </list>
/// </summary>
public static class DecisionRules
{
    public static Decision? Decide(MonitoringReport report, MonitorPolicy? policy = null, RetrainOutcome? retrain = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        policy ??= MonitorPolicy.Default;
        var failed = report.Failed.ToList();
        if (failed.Count == 0)
            return null;
        List<string> Evidence(Func<CheckResult, bool> which) => failed.Where(which).Select(Describe).ToList();
        Decision Make(string code, string reason, List<string> evidence, string action) =>
            new(code, reason, evidence, action, policy.Automatic.Contains(code));

        var missing = Evidence(c => c.Name == CheckNames.MissingColumn);
        if (missing.Count > 0)
            return Make(Decision.Inputs, "a model input is no longer in the data", missing,
                "Change the model's inputs: restore the column upstream, or train a model without it (new feature list) and register it.");

        var processing = Evidence(c => CheckNames.IsProcessing(c.Name));
        if (processing.Count > 0)
            return Make(Decision.Processing, "the data processing changed (schema drift)", processing,
                "Fix the data processing in production (parsing, units, category mapping, missing values), or update featurize and retrain once the change is intended.");

        var performance = Evidence(c => CheckNames.IsPerformance(c.Name));
        if (retrain is { MeetsThreshold: false })
            return Make(Decision.NewModel, "the retrained model is still under the threshold", [.. performance, "retrain: " + retrain.Detail],
                "Search for a new model on recent data: other trainers and parameters (train.trainer=auto), then register it and run the gates.");

        var drift = Evidence(c => CheckNames.IsFeatureDrift(c.Name) || c.Name == CheckNames.DriftShare);
        var newColumns = Evidence(c => c.Name == CheckNames.NewColumn);
        const string retrainAction = "Retrain the model with its stored pipeline on recent data, register it, run the gates, promote only if they pass.";
        if (performance.Count > 0 && drift.Count > 0)
            return Make(Decision.Retrain, "performance is down and the input data drifted, with the same schema", [.. performance, .. drift], retrainAction);
        if (performance.Count > 0 && newColumns.Count > 0)
            return Make(Decision.Inputs, "performance is down without input drift, and the data has new columns", [.. performance, .. newColumns],
                "Change the model's inputs: try the new columns as features (they may carry what the model lost), train and register.");
        if (performance.Count > 0)
            return Make(Decision.Retrain, "performance is down without input drift (the relationship changed)", performance, retrainAction);

        var wide = Evidence(c => c.Name is CheckNames.DriftShare or CheckNames.PredictionPsi or CheckNames.PredictionKs);
        if (wide.Count > 0)
            return Make(Decision.Retrain, "the window drifted as a whole", [.. wide, .. drift.Except(wide)], retrainAction);
        return null;
    }

    private static string Describe(CheckResult c) => c.Feature is null ? $"{c.Name}: {c.Detail}" : $"{c.Name} [{c.Feature}]: {c.Detail}";
}
