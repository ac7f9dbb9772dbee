using System.Globalization;
using Microsoft.ML;
using MlOps.Data;
using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tracking;
using MlOps.Training;

namespace MlOps.Monitoring;

/// <summary>
/// Checks windows of new data for one registered version against its stored <see cref="ReferenceProfile"/>: schema
/// and data drift (<see cref="DataChecks"/>), prediction drift, and performance, measured with the
/// <see cref="Evaluator"/> when the window holds the label, else estimated from calibrated probabilities (binary).
/// The window goes through the model's own filter first when it has the filter's columns, so it is judged on the
/// population the model was trained for.
/// </summary>
public sealed class ModelMonitor : IDisposable
{
    private readonly IArtifactStore _artifacts;
    private readonly FittedFeaturizer _featurizer;
    private readonly Lazy<ModelScorer> _scorer;
    private readonly TimeProvider _clock;

    public ModelMonitor(ModelVersion version, ReferenceProfile profile, IArtifactStore artifacts, MonitorPolicy? policy = null, TimeProvider? clock = null)
    {
        Version = version;
        Profile = profile;
        Policy = policy ?? MonitorPolicy.Default;
        _artifacts = artifacts;
        _clock = clock ?? TimeProvider.System;
        if (profile.Model != version.Model || profile.Version != version.Version)
            throw new MlOpsException($"The reference profile is for '{profile.Model}' v{profile.Version}, not '{version.Model}' v{version.Version}. Build the profile of this version.");
        _featurizer = ReadFeaturizer(version, artifacts);
        _scorer = new Lazy<ModelScorer>(() => ModelScorer.Load(version, artifacts));
    }

    public ModelVersion Version { get; }

    public ReferenceProfile Profile { get; }

    public MonitorPolicy Policy { get; }

    public MonitoringReport Check(Table window, string? windowId = null)
    {
        ArgumentNullException.ThrowIfNull(window);
        var notes = new List<string>();
        window = ApplyFilter(window, notes);
        var checks = new List<CheckResult>(DataChecks.Run(Profile, window, Policy));
        if (window.RowCount < Policy.MinRows)
            notes.Add($"{window.RowCount} rows: drift is judged from {Policy.MinRows} rows on");

        IReadOnlyList<Prediction>? predictions = null;
        var missing = Profile.Numeric.Select(n => n.Column).Concat(Profile.Categorical.Select(c => c.Column)).Where(c => !window.HasColumn(c)).ToList();
        if (missing.Count > 0)
            notes.Add($"not scored: input columns {string.Join(", ", missing)} are missing");
        else if (window.RowCount > 0)
        {
            predictions = _scorer.Value.Score(WindowColumns.ToScoringInput(window, _scorer.Value.Signature));
            if (Profile.Predictions is { } reference)
                checks.AddRange(DataChecks.PredictionDrift(reference, ReferenceProfile.PredictionScores(predictions), Policy));
        }

        var labelled = false;
        if (predictions is not null)
        {
            var measured = MeasuredPerformance(window, notes);
            labelled = measured is not null;
            if (measured is not null)
                checks.AddRange(measured);
            else if (MlTaskNames.Parse(Version.Task) == MlTask.Binary)
                checks.AddRange(EstimatedPerformance(Version, predictions, Policy, notes));
        }
        return new MonitoringReport
        {
            Model = Version.Model, Version = Version.Version, WindowId = windowId ?? window.Name, At = _clock.GetUtcNow(),
            Rows = window.RowCount, Labelled = labelled, Checks = checks, Notes = notes,
        };
    }

    private Table ApplyFilter(Table window, List<string> notes)
    {
        if (_featurizer.Filter is not { } filter)
            return window;
        var names = RowExpression.ReferencedNames(filter, "filter");
        var derived = _featurizer.Derive.Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        if (names.Any(n => !derived.Contains(n) && !window.HasColumn(n)))
        {
            notes.Add($"the model's filter '{filter}' was not applied: the window lacks its columns");
            return window;
        }
        try
        {
            var reader = new ColumnReader(window);
            _featurizer.AddDerivedColumns(reader);
            var rows = Featurizer.Filter(reader, filter);
            if (rows.Count < window.RowCount)
                notes.Add($"the model's filter '{filter}' kept {rows.Count} of {window.RowCount} rows");
            return rows.Count == window.RowCount ? window : WindowColumns.Rows(window, rows);
        }
        catch (MlOpsException e)
        {
            notes.Add($"the model's filter '{filter}' was not applied: {e.Message}");
            return window;
        }
    }

    /// <summary>The window's metrics vs registration and the policy's thresholds; null when the window has no label.</summary>
    private IReadOnlyList<CheckResult>? MeasuredPerformance(Table window, List<string> notes)
    {
        var label = _featurizer.Label;
        var needed = window.HasColumn(label) ? [] : RowExpression.ReferencedNames(label, "label");
        if (!window.HasColumn(label) && needed.Any(n => !window.HasColumn(n)))
            return null;
        var task = MlTaskNames.Parse(Version.Task);
        Evaluation evaluation;
        try
        {
            var reader = new ColumnReader(window);
            _featurizer.AddDerivedColumns(reader);
            var rows = Enumerable.Range(0, window.RowCount).ToArray();
            var (_, labels) = Featurizer.BuildLabel(reader, new FeaturizeSpec { Label = label, Task = task }, rows, window.Name);
            var set = new FeatureSet
            {
                FeatureNames = _featurizer.SlotNames, Rows = rows.Length, Values = _featurizer.Transform(reader, rows),
                BoolLabels = labels as bool[], NumberLabels = labels as float[], ClassLabels = labels as string[],
            };
            var ml = new MLContext(seed: 0);
            ITransformer model;
            using (var stream = _artifacts.OpenVerified(Version.Artifact))
                model = ml.Model.Load(stream, out _);
            evaluation = Evaluator.Evaluate(ml, task, model, FeatureData.ToDataView(ml, set, null, test: true), Version.RunId);
        }
        catch (MlOpsException e)
        {
            notes.Add("performance not measured: " + e.Message);
            return null;
        }
        var results = new List<CheckResult>();
        foreach (var metric in ComparedMetrics(task, Policy))
            if (evaluation.Metrics.TryGetValue(metric, out var value))
                results.Add(AgainstRegistration($"{CheckNames.Performance}.{metric}", metric, value, Version, Policy, $"on {window.RowCount} labelled rows"));
        foreach (var threshold in Policy.Thresholds)
            if (evaluation.Metrics.TryGetValue(threshold.Metric, out var value))
                results.Add(new CheckResult($"{CheckNames.Performance}.{threshold.Metric}.threshold", null, value, threshold.Value,
                    !double.IsNaN(value) && threshold.Holds(value), $"{threshold.Metric} = {F(value)} on {window.RowCount} labelled rows (gate {threshold})"));
        return results;
    }

    internal static IReadOnlyList<string> ComparedMetrics(MlTask task, MonitorPolicy policy) =>
        policy.Metrics.Count > 0 ? policy.Metrics
        : task == MlTask.Binary ? [TrainerCatalog.PrimaryMetric(task), "accuracy"]
        : [TrainerCatalog.PrimaryMetric(task)];

    private static CheckResult AgainstRegistration(string name, string metric, double value, ModelVersion version, MonitorPolicy policy, string where)
    {
        if (!version.Metrics.TryGetValue(metric, out var registered) || double.IsNaN(registered))
            return new CheckResult(name, null, value, double.NaN, true, $"{metric} = {F(value)} {where}; no value at registration to compare with");
        var higher = TrainerCatalog.HigherIsBetter(metric);
        var bound = higher ? registered - policy.PerformanceTolerance : registered * (1 + policy.PerformanceTolerance);
        var passed = !double.IsNaN(value) && (higher ? value >= bound : value <= bound);
        return new CheckResult(name, null, value, bound, passed,
            $"{metric} = {F(value)} {where}; {F(registered)} at registration (v{version.Version}), bound {F(bound)}");
    }

    /// <summary>
    /// Confidence-based performance estimation (the idea of NannyML's CBPE) for a binary model with calibrated
    /// probabilities: with p the probability of the positive class and ŷ the predicted label, each row contributes
    /// p to the expected true positives (ŷ = true) or false negatives (ŷ = false), and 1 − p to the false positives or
    /// true negatives. Accuracy = mean(ŷ ? p : 1 − p), which is mean(max(p, 1 − p)) when ŷ = (p &gt; 0.5).
    /// </summary>
    public static IReadOnlyDictionary<string, double> EstimateBinary(IReadOnlyList<Prediction> predictions)
    {
        double tp = 0, fp = 0, tn = 0, fn = 0;
        var n = 0;
        foreach (var prediction in predictions)
        {
            if (prediction.Probability is not { } p || double.IsNaN(p)) continue;
            var positive = prediction.Label is bool b ? b : p > 0.5;
            if (positive) { tp += p; fp += 1 - p; } else { fn += p; tn += 1 - p; }
            n++;
        }
        static double Ratio(double a, double b) => b == 0 ? double.NaN : a / b;
        return new Dictionary<string, double>
        {
            ["accuracy"] = Ratio(tp + tn, n),
            ["precision"] = Ratio(tp, tp + fp),
            ["recall"] = Ratio(tp, tp + fn),
            ["f1"] = Ratio(2 * tp, 2 * tp + fp + fn),
        };
    }

    private static IReadOnlyList<CheckResult> EstimatedPerformance(ModelVersion version, IReadOnlyList<Prediction> predictions, MonitorPolicy policy, List<string> notes)
    {
        if (predictions.All(p => p.Probability is null))
        {
            notes.Add("performance not estimated: the model gives no calibrated probabilities");
            return [];
        }
        var estimate = EstimateBinary(predictions);
        // CBPE estimates confusion-matrix metrics; auc and log_loss need labels.
        var metrics = ComparedMetrics(MlTask.Binary, policy).Where(estimate.ContainsKey).DefaultIfEmpty("accuracy").Distinct();
        return metrics.Select(m => AgainstRegistration($"{CheckNames.Estimated}.{m}", m, estimate[m], version, policy,
            $"estimated from calibrated probabilities of {predictions.Count} unlabelled rows")).ToList();
    }

    internal static FittedFeaturizer ReadFeaturizer(ModelVersion version, IArtifactStore artifacts)
    {
        if (version.Featurizer is null)
            throw new MlOpsException($"'{version.Model}' v{version.Version} has no stored featurizer, so it cannot be monitored on raw rows. Re-run its experiment and register the new run.");
        using var reader = new StreamReader(artifacts.OpenVerified(version.Featurizer));
        return FittedFeaturizer.FromJson(reader.ReadToEnd());
    }

    private static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        if (_scorer.IsValueCreated) _scorer.Value.Dispose();
    }
}
