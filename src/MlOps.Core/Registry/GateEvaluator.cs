using MlOps.Data;
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Pipeline;
using MlOps.Tracking;
using MlOps.Training;

namespace MlOps.Registry;

/// <summary>
/// Runs a version's gates: metric thresholds on its evaluation, a smoke test of its stored artifact, a schema check
/// and a no-regression check against the current Production version, both re-scored now on the candidate run's
/// held-out rows (re-created from the run's featurize and split cache entries).
/// </summary>
internal sealed class GateEvaluator(IRunStore runs)
{
    public const string Smoke = "smoke", Schema = "schema", NoRegression = "no-regression";

    /// <summary>Fail before any work when a threshold names a metric the version does not have: that is a mistake in the gate, not a verdict.</summary>
    public static void CheckThresholds(ModelVersion candidate, IEnumerable<MetricThreshold> thresholds)
    {
        foreach (var t in thresholds.Where(t => !candidate.Metrics.ContainsKey(t.Metric)))
            throw new MlOpsException(
                $"The gate '{t}' names the metric '{t.Metric}', which version {candidate.Version} of '{candidate.Model}' does not have. " +
                $"Its metrics are: {string.Join(", ", candidate.Metrics.Keys.Order(StringComparer.Ordinal))}. Fix the gate's metric name.");
    }

    public IReadOnlyList<GateResult> Evaluate(ModelVersion candidate, ModelVersion? production, ModelGates gates,
        IReadOnlyList<MetricThreshold> thresholds, bool acknowledgeSchemaChange, bool compareWithProduction)
    {
        CheckThresholds(candidate, thresholds);
        var results = new List<GateResult>();
        foreach (var t in thresholds)
        {
            var actual = candidate.Metrics[t.Metric];
            results.Add(new GateResult(t.ToString(), !double.IsNaN(actual) && t.Holds(actual), $"{t.Metric} = {Format(actual)}"));
        }

        var ml = new MLContext(seed: 0);
        var (model, smoke) = SmokeTest(ml, candidate, gates);
        results.Add(smoke);

        var comparable = compareWithProduction && production is not null && production.Version != candidate.Version;
        results.Add(!comparable
            ? new GateResult(Schema, true, production is null ? "no Production version to compare with" : "not compared (rollback or same version)")
            : SchemaCheck(candidate, production!, acknowledgeSchemaChange));
        if (gates.NoRegression)
            results.Add(!comparable
                ? new GateResult(NoRegression, true, production is null ? "no Production version to compare with" : "not compared (rollback or same version)")
                : model is null
                    ? new GateResult(NoRegression, false, "not compared: the candidate's artifact could not be scored (see smoke)")
                    : RegressionCheck(ml, candidate, model, production!, gates));
        foreach (var slice in gates.Slices)
            results.Add(model is null
                ? new GateResult(SliceName(slice), false, "not evaluated: the candidate's artifact could not be scored (see smoke)")
                : SliceCheck(ml, candidate, model, slice));
        return results;
    }

    private static string SliceName(SliceGate slice) => $"slice {slice.Name}: {slice.Threshold}";

    /// <summary>The candidate's metric on the held-out rows where the slice's filter holds.</summary>
    private GateResult SliceCheck(MLContext ml, ModelVersion candidate, ITransformer model, SliceGate slice)
    {
        HeldOutRows heldOut;
        try
        {
            heldOut = HeldOutRows.Load(runs, candidate);
        }
        catch (MlOpsException e)
        {
            return new GateResult(SliceName(slice), false, "not evaluated: " + e.Message);
        }
        var features = heldOut.Features;
        var width = features.FeatureNames.Count;
        var columns = features.FeatureNames.Select((name, slot) =>
            new TableColumn(name, Enumerable.Range(0, features.Rows).Select(r => (double)features.Values[r * width + slot]).ToArray())).ToList();
        var reader = new ColumnReader(new Table("held-out", columns));
        var inSlice = new bool[features.Rows];
        var expression = RowExpression.Compile(slice.Filter, reader.IsNumeric, $"slice '{slice.Name}'");
        if (expression.ResultType != typeof(bool))
            throw new MlOpsException($"The slice filter '{slice.Filter}' gives {expression.ResultType.Name}, not true/false. Write a condition over feature names, e.g. national_rank <= 3.");
        FeaturizeMath.Evaluate(reader, expression, (row, value) => inSlice[row] = value is true && heldOut.IsTest[row]);
        var rows = inSlice.Count(x => x);
        if (rows < slice.MinRows)
            return new GateResult(SliceName(slice), false, $"only {rows} held-out rows match '{slice.Filter}' (at least {slice.MinRows} needed to judge the slice)");
        var task = MlTaskNames.Parse(candidate.Task);
        var metrics = Evaluator.Evaluate(ml, task, model, FeatureData.ToDataView(ml, features, inSlice, test: true), candidate.RunId).Metrics;
        if (!metrics.TryGetValue(slice.Threshold.Metric, out var value))
            return new GateResult(SliceName(slice), false, $"the metric '{slice.Threshold.Metric}' is not computed for {candidate.Task} models");
        return new GateResult(SliceName(slice), !double.IsNaN(value) && slice.Threshold.Holds(value),
            $"{slice.Threshold.Metric} = {Format(value)} on {rows} held-out rows where {slice.Filter}");
    }

    private (ITransformer? Model, GateResult Result) SmokeTest(MLContext ml, ModelVersion candidate, ModelGates gates)
    {
        ITransformer model;
        try
        {
            model = Load(ml, candidate.Artifact);
        }
        catch (MlOpsException e)
        {
            return (null, new GateResult(Smoke, false, e.Message));
        }
        HeldOutRows heldOut;
        try
        {
            heldOut = HeldOutRows.Load(runs, candidate);
        }
        catch (MlOpsException e)
        {
            return (model, new GateResult(Smoke, false, e.Message));
        }

        var sampleMask = new bool[heldOut.IsTest.Length];
        var taken = 0;
        for (var i = 0; i < sampleMask.Length && taken < gates.SmokeRows; i++)
            if (heldOut.IsTest[i]) { sampleMask[i] = true; taken++; }
        if (taken == 0)
            return (model, new GateResult(Smoke, false, $"run {candidate.RunId} has no held-out rows to score. Re-run it with a split that keeps validation rows."));

        var view = FeatureData.ToDataView(ml, heldOut.Features, sampleMask, test: true);
        var watch = Stopwatch.StartNew();
        var (rows, bad) = Score(model.Transform(view));
        var msPerRow = watch.Elapsed.TotalMilliseconds / Math.Max(1, rows);
        var detail = $"artifact SHA-256 verified; scored {rows} held-out rows, {bad} NaN/empty predictions, {msPerRow:0.###} ms/row (bound {gates.MaxLatencyMsPerRow:0.###})";
        var passed = rows == taken && bad == 0 && msPerRow <= gates.MaxLatencyMsPerRow;
        return (model, new GateResult(Smoke, passed, rows != taken ? $"{detail}; expected {taken} predictions" : detail));
    }

    /// <summary>Predictions scored and how many are NaN or empty (internal: tests feed it real ML.NET views with NaN).</summary>
    internal static (int Rows, int Bad) Score(IDataView scored)
    {
        var column = scored.Schema.GetColumnOrNull("Score") ?? throw new MlOpsException("The model's output has no Score column; it cannot be served. Re-train it with a supported trainer.");
        var (rows, bad) = (0, 0);
        if (column.Type is VectorDataViewType)
        {
            foreach (var v in scored.GetColumn<VBuffer<float>>("Score"))
            {
                rows++;
                if (v.Length == 0 || v.DenseValues().Any(float.IsNaN)) bad++;
            }
        }
        else
        {
            foreach (var v in scored.GetColumn<float>("Score"))
            {
                rows++;
                if (float.IsNaN(v)) bad++;
            }
        }
        return (rows, bad);
    }

    private static GateResult SchemaCheck(ModelVersion candidate, ModelVersion production, bool acknowledged)
    {
        // Compatible = whatever feeds the Production model can feed the candidate: it needs no new column and no changed type.
        var current = production.Signature.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        var added = candidate.Signature.Where(c => !current.ContainsKey(c.Name)).Select(c => $"{c.Name} ({c.Type})").ToList();
        var changed = candidate.Signature.Where(c => current.TryGetValue(c.Name, out var t) && t != c.Type)
            .Select(c => $"{c.Name} ({current[c.Name]} -> {c.Type})").ToList();
        if (added.Count == 0 && changed.Count == 0)
            return new GateResult(Schema, true, $"compatible with Production v{production.Version} ({candidate.Signature.Count} input columns)");
        var change = string.Join("; ", new[] { added.Count > 0 ? "new inputs: " + string.Join(", ", added) : null, changed.Count > 0 ? "changed types: " + string.Join(", ", changed) : null }.Where(s => s is not null));
        return acknowledged
            ? new GateResult(Schema, true, $"signature differs from Production v{production.Version} ({change}); change acknowledged")
            : new GateResult(Schema, false, $"signature is not compatible with Production v{production.Version}: {change}. Acknowledge the change to promote anyway.");
    }

    private GateResult RegressionCheck(MLContext ml, ModelVersion candidate, ITransformer model, ModelVersion production, ModelGates gates)
    {
        if (!string.Equals(candidate.Task, production.Task, StringComparison.Ordinal))
            return new GateResult(NoRegression, false, $"not comparable: the candidate is a {candidate.Task} model, Production v{production.Version} a {production.Task} model.");
        HeldOutRows heldOut;
        ITransformer current;
        IReadOnlyList<string> productionSlots;
        try
        {
            heldOut = HeldOutRows.Load(runs, candidate);
            current = Load(ml, production.Artifact);
            productionSlots = production.Featurizer is { } f ? ReadFeaturizer(f).SlotNames : [];
        }
        catch (MlOpsException e)
        {
            return new GateResult(NoRegression, false, "not compared: " + e.Message);
        }
        // Both models must read the same feature layout for the same rows to mean the same thing to both.
        if (!productionSlots.SequenceEqual(heldOut.Features.FeatureNames))
            return new GateResult(NoRegression, false,
                $"not comparable on the same validation rows: Production v{production.Version} reads features [{string.Join(", ", productionSlots)}], " +
                $"the candidate [{string.Join(", ", heldOut.Features.FeatureNames)}]. Turn the gate off for this model (no_regression: false) to promote anyway.");

        var task = MlTaskNames.Parse(candidate.Task);
        var metric = gates.NoRegressionMetric ?? TrainerCatalog.PrimaryMetric(task);
        var view = FeatureData.ToDataView(ml, heldOut.Features, heldOut.IsTest, test: true);
        var mine = Evaluator.Evaluate(ml, task, model, view, candidate.RunId).Metrics;
        var theirs = Evaluator.Evaluate(ml, task, current, view, production.RunId).Metrics;
        if (!mine.TryGetValue(metric, out var a) || !theirs.TryGetValue(metric, out var b))
            return new GateResult(NoRegression, false, $"the metric '{metric}' is not computed for {candidate.Task} models. Set no_regression.metric to one of: {string.Join(", ", mine.Keys)}.");
        var higher = TrainerCatalog.HigherIsBetter(metric);
        var passed = !double.IsNaN(a) && (double.IsNaN(b) || (higher ? a >= b - gates.Tolerance : a <= b + gates.Tolerance));
        var rows = heldOut.IsTest.Count(t => t);
        return new GateResult(NoRegression, passed,
            $"{metric} on {rows} validation rows re-scored now: candidate {Format(a)}, Production v{production.Version} {Format(b)} (tolerance {Format(gates.Tolerance)}, {(higher ? "higher" : "lower")} is better)");
    }

    private ITransformer Load(MLContext ml, ArtifactRef artifact)
    {
        using var stream = runs.Artifacts.OpenVerified(artifact);
        try
        {
            return ml.Model.Load(stream, out _);
        }
        catch (Exception e) when (e is not MlOpsException)
        {
            throw new MlOpsException($"the model artifact {artifact.Sha256} could not be loaded by ML.NET ({e.Message}). Re-run the run that produced it.", e);
        }
    }

    private FittedFeaturizer ReadFeaturizer(ArtifactRef artifact)
    {
        using var reader = new StreamReader(runs.Artifacts.OpenVerified(artifact));
        return FittedFeaturizer.FromJson(reader.ReadToEnd());
    }

    private static string Format(double v) => v.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);
}
