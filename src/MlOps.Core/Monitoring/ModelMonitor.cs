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

    /// <summary>Check a window held in memory (a file's rows): every check, measured performance when it has the label.</summary>
    public MonitoringReport Check(Table window, string? windowId = null)
    {
        ArgumentNullException.ThrowIfNull(window);
        var pass = new WindowPass(this, window.ColumnNames, int.MaxValue);
        var filtered = pass.Add(window);
        return pass.Report(windowId ?? window.Name, notes => MeasuredPerformance(filtered, notes));
    }

    /// <summary>
    /// Check a window given in pieces (e.g. <see cref="TableLoader.LoadCsvChunks"/>): each piece is filtered, counted and
    /// scored, then dropped, so memory holds one piece (<see cref="PieceRows"/> rows) and the counts, not the window.
    /// Every drift, schema and prediction check and the CBPE estimate come out as for the whole window at once (they
    /// are sums over rows). Measured performance is not: AUC and log-loss need every labelled row together, and a window
    /// from the prediction log, the reason for this path, has no labels anyway.
    /// </summary>
    public MonitoringReport Check(IEnumerable<Table> pieces, string windowId)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        WindowPass? pass = null;
        var labelled = false;
        foreach (var piece in pieces)
        {
            pass ??= new WindowPass(this, piece.ColumnNames, MaxUnseenCategories);
            labelled |= HasLabel(piece);
            pass.Add(piece);
        }
        if (pass is null)
            throw new MlOpsException($"The window '{windowId}' has no rows to check.");
        return pass.Report(windowId, notes =>
        {
            if (labelled)
                notes.Add("performance not measured: a window checked in pieces has its metrics estimated; give it as --data <csv> to measure them on its labels");
            return null;
        });
    }

    /// <summary>Rows per piece when a window is checked in pieces: about 10-30 MB of text and scoring input at a time.</summary>
    public const int PieceRows = 32_768;

    /// <summary>Unseen categories named per column when a window is checked in pieces (rows of further ones are still counted).</summary>
    public const int MaxUnseenCategories = 100_000;

    /// <summary>One window's checks in the making: data counts, predicted-score counts, the CBPE sums and the filter's notes.</summary>
    private sealed class WindowPass(ModelMonitor monitor, IEnumerable<string> columns, int maxUnseenCategories)
    {
        private readonly WindowCounts _data = new(monitor.Profile, columns, maxUnseenCategories);
        private readonly DistributionCounts? _scores = monitor.Profile.Predictions is { } reference ? new DistributionCounts(reference) : null;
        private readonly ConfusionEstimate _estimate = new();
        private readonly FilterCounts _filter = new();

        public Table Add(Table piece)
        {
            var filtered = monitor.ApplyFilter(piece, _filter);
            _data.Add(filtered);
            if (filtered.RowCount > 0 && monitor.MissingInputs(filtered).Count == 0)
            {
                var predictions = monitor._scorer.Value.Score(WindowColumns.ToScoringInput(filtered, monitor._scorer.Value.Signature));
                _scores?.Add(ReferenceProfile.PredictionScores(predictions));
                _estimate.Add(predictions);
            }
            return filtered;
        }

        /// <param name="measure">Performance on the window's labels (adding notes), or null when it has none.</param>
        public MonitoringReport Report(string windowId, Func<List<string>, IReadOnlyList<CheckResult>?> measure)
        {
            var policy = monitor.Policy;
            var notes = _filter.Notes(monitor._featurizer.Filter);
            var checks = new List<CheckResult>(_data.Results(policy));
            var rows = _data.Rows;
            if (rows < policy.MinRows)
                notes.Add($"{rows} rows: drift is judged from {policy.MinRows} rows on");

            var scored = false;
            var missing = monitor.MissingInputs(columns);
            if (missing.Count > 0)
                notes.Add($"not scored: input columns {string.Join(", ", missing)} are missing");
            else if (rows > 0)
            {
                scored = true;
                if (_scores is not null)
                    checks.AddRange(DataChecks.PredictionDrift(_scores, policy));
            }

            var labelled = false;
            if (scored)
            {
                var measured = measure(notes);
                labelled = measured is not null;
                if (measured is not null)
                    checks.AddRange(measured);
                else if (MlTaskNames.Parse(monitor.Version.Task) == MlTask.Binary)
                    checks.AddRange(EstimatedPerformance(monitor.Version, _estimate, policy, notes));
            }
            return new MonitoringReport
            {
                Model = monitor.Version.Model, Version = monitor.Version.Version, WindowId = windowId, At = monitor._clock.GetUtcNow(),
                Rows = (int)Math.Min(int.MaxValue, rows), Labelled = labelled, Checks = checks, Notes = notes,
            };
        }
    }

    /// <summary>Whether the window holds the label: its column, or every column its expression reads.</summary>
    private bool HasLabel(Table window) =>
        window.HasColumn(_featurizer.Label) || RowExpression.ReferencedNames(_featurizer.Label, "label").All(window.HasColumn);

    private List<string> MissingInputs(Table window) => MissingInputs(window.ColumnNames);

    private List<string> MissingInputs(IEnumerable<string> columns)
    {
        var present = columns.ToHashSet(StringComparer.Ordinal);
        return Profile.Numeric.Select(n => n.Column).Concat(Profile.Categorical.Select(c => c.Column)).Where(c => !present.Contains(c)).ToList();
    }

    /// <summary>What the model's filter did to the pieces of one window, for the report's notes.</summary>
    private sealed class FilterCounts
    {
        public long Seen, Kept;
        public string? Problem;

        public List<string> Notes(string? filter)
        {
            var notes = new List<string>();
            if (Problem is not null)
                notes.Add($"the model's filter '{filter}' was not applied: {Problem}");
            if (Kept < Seen)
                notes.Add($"the model's filter '{filter}' kept {Kept} of {Seen} rows");
            return notes;
        }
    }

    private Table ApplyFilter(Table window, FilterCounts counts)
    {
        if (_featurizer.Filter is not { } filter)
            return window;
        var names = RowExpression.ReferencedNames(filter, "filter");
        var derived = _featurizer.Derive.Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        if (names.Any(n => !derived.Contains(n) && !window.HasColumn(n)))
        {
            counts.Problem ??= "the window lacks its columns";
            return window;
        }
        try
        {
            var reader = new ColumnReader(window);
            _featurizer.AddDerivedColumns(reader);
            var rows = Featurizer.Filter(reader, filter);
            counts.Seen += window.RowCount;
            counts.Kept += rows.Count;
            return rows.Count == window.RowCount ? window : WindowColumns.Rows(window, rows);
        }
        catch (MlOpsException e)
        {
            counts.Problem ??= e.Message;
            return window;
        }
    }

    /// <summary>The window's metrics vs registration and the policy's thresholds; null when the window has no label.</summary>
    private IReadOnlyList<CheckResult>? MeasuredPerformance(Table window, List<string> notes)
    {
        if (!HasLabel(window))
            return null;
        var label = _featurizer.Label;
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
        var estimate = new ConfusionEstimate();
        estimate.Add(predictions);
        return estimate.Metrics();
    }

    /// <summary>The sums behind <see cref="EstimateBinary"/>, fed in pieces.</summary>
    private sealed class ConfusionEstimate
    {
        private double _tp, _fp, _tn, _fn;
        private long _estimated;

        /// <summary>Predictions added (with or without a probability).</summary>
        public long Rows { get; private set; }

        /// <summary>Whether any prediction had a probability (calibrated models give one for every row).</summary>
        public bool Calibrated { get; private set; }

        public void Add(IReadOnlyList<Prediction> predictions)
        {
            Rows += predictions.Count;
            foreach (var prediction in predictions)
            {
                if (prediction.Probability is null) continue;
                Calibrated = true;
                var p = prediction.Probability.Value;
                if (double.IsNaN(p)) continue;
                var positive = prediction.Label is bool b ? b : p > 0.5;
                if (positive) { _tp += p; _fp += 1 - p; } else { _fn += p; _tn += 1 - p; }
                _estimated++;
            }
        }

        public IReadOnlyDictionary<string, double> Metrics()
        {
            static double Ratio(double a, double b) => b == 0 ? double.NaN : a / b;
            return new Dictionary<string, double>
            {
                ["accuracy"] = Ratio(_tp + _tn, _estimated),
                ["precision"] = Ratio(_tp, _tp + _fp),
                ["recall"] = Ratio(_tp, _tp + _fn),
                ["f1"] = Ratio(2 * _tp, 2 * _tp + _fp + _fn),
            };
        }
    }

    private static IReadOnlyList<CheckResult> EstimatedPerformance(ModelVersion version, ConfusionEstimate estimated, MonitorPolicy policy, List<string> notes)
    {
        if (!estimated.Calibrated)
        {
            notes.Add("performance not estimated: the model gives no calibrated probabilities");
            return [];
        }
        var estimate = estimated.Metrics();
        // CBPE estimates confusion-matrix metrics; auc and log_loss need labels.
        var metrics = ComparedMetrics(MlTask.Binary, policy).Where(estimate.ContainsKey).DefaultIfEmpty("accuracy").Distinct();
        return metrics.Select(m => AgainstRegistration($"{CheckNames.Estimated}.{m}", m, estimate[m], version, policy,
            $"estimated from calibrated probabilities of {estimated.Rows} unlabelled rows")).ToList();
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
