using System.Globalization;
using MlOps.Data;
using MlOps.Training;

namespace MlOps.Pipeline;

/// <summary>
/// The featurize stage: derive columns, filter rows, build the label, pick and encode features, fill missing
/// values. Fitting returns both the feature set and the <see cref="FittedFeaturizer"/> that reproduces it on new rows.
/// </summary>
internal static class Featurizer
{
    // A text column is encoded automatically when it has at most this many distinct values
    // (and fewer than half the rows); beyond that it looks like an identifier and must be declared.
    private const int AutoCategoryLimit = 100;

    public sealed record Result(FeatureSet Features, FittedFeaturizer Fitted, MlTask Task, IReadOnlyList<string> Notes);

    public static Result Fit(Table table, FeaturizeSpec spec, CustomSteps? code = null)
    {
        var notes = new List<string>();
        if (code is { IsEmpty: false })
            table = code.Apply(table);
        var reader = new ColumnReader(table);
        var fittedDerive = new FittedFeaturizer { Derive = UsedDerives(spec) };
        fittedDerive.AddDerivedColumns(reader);

        var rows = Filter(reader, spec.Filter);
        if (rows.Count == 0)
            throw new MlOpsException(
                $"The filter '{spec.Filter}' keeps no rows of '{table.Name}' ({table.RowCount} rows). Loosen the filter (check its thresholds and the column's values).");

        var (task, labels) = BuildLabel(reader, spec, rows, table.Name);
        var labelColumns = LabelColumns(reader, spec.Label);
        var features = ChooseFeatures(reader, spec, labelColumns, rows, notes);

        if (spec.Missing == "drop")
        {
            var before = rows.Count;
            rows = rows.Where(r => features.All(f => f.Kind != "number" || !double.IsNaN(reader.Numbers(f.Column)[r]))).ToList();
            (task, labels) = BuildLabel(reader, spec, rows, table.Name);
            if (before != rows.Count)
                notes.Add($"{before - rows.Count} rows with missing feature values dropped");
        }

        var fitted = fittedDerive with
        {
            Features = features,
            Label = spec.Label,
            Filter = spec.Filter,
            Task = task.ToName(),
            CodeHash = code?.CodeHash ?? "",
        };
        var values = fitted.Transform(reader, rows);
        if (reader.RepairedNumbers > 0)
            notes.Add($"{reader.RepairedNumbers} messy numbers read (e.g. \"20,152\", \"25%\", \"=45\", \"201-250\")");
        if (reader.UnparsedNumbers > 0)
            notes.Add($"{reader.UnparsedNumbers} cells of numeric columns were not numbers and count as missing");

        string?[]? split = null;
        if (spec.SplitBy is { } by)
        {
            if (!reader.Exists(by))
                throw new MlOpsException(
                    $"The split column '{by}' is not in '{table.Name}'. Its columns are: {string.Join(", ", table.ColumnNames)}. Fix --split-by or use --test-fraction.");
            var text = reader.Texts(by);
            split = rows.Select(r => text[r]).ToArray();
        }

        var set = new FeatureSet
        {
            FeatureNames = fitted.SlotNames,
            Rows = rows.Count,
            Values = values,
            BoolLabels = labels as bool[],
            NumberLabels = labels as float[],
            ClassLabels = labels as string[],
            SplitValues = split,
        };
        return new Result(set, fitted, task, notes);
    }

    /// <summary>
    /// Derived columns are computed only when something uses them (a feature, the label, the filter, another
    /// derived column), so one params file can hold derivations for several data sets.
    /// </summary>
    private static IReadOnlyList<KeyValuePair<string, string>> UsedDerives(FeaturizeSpec spec)
    {
        if (spec.Features.Count == 0)
            return spec.Derive;
        var used = new HashSet<string>(spec.Features, StringComparer.Ordinal);
        used.UnionWith(RowExpression.ReferencedNames(spec.Label, "label"));
        if (spec.Filter is not null)
            used.UnionWith(RowExpression.ReferencedNames(spec.Filter, "filter"));
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var (name, expression) in spec.Derive.Where(d => used.Contains(d.Key)))
                foreach (var reference in RowExpression.ReferencedNames(expression, "derive." + name))
                    changed |= used.Add(reference);
        }
        return spec.Derive.Where(d => used.Contains(d.Key)).ToList();
    }

    internal static List<int> Filter(ColumnReader reader, string? filter)
    {
        if (filter is null)
            return Enumerable.Range(0, reader.RowCount).ToList();
        var expression = RowExpression.Compile(filter, reader.IsNumeric, "filter");
        if (expression.ResultType != typeof(bool))
            throw new MlOpsException($"The filter expression '{filter}' gives {expression.ResultType.Name}, not true/false. Write a condition, e.g. world_rank <= 100.");
        var kept = new List<int>();
        FeaturizeMath.Evaluate(reader, expression, (row, value) =>
        {
            if (value is true)
                kept.Add(row);
        });
        return kept;
    }

    private static IReadOnlyList<string> LabelColumns(ColumnReader reader, string label) =>
        reader.Exists(label) ? [label] : RowExpression.ReferencedNames(label, "label");

    /// <summary>The label values for the kept rows (bool[], float[] or string[]) and the task they imply.</summary>
    internal static (MlTask Task, Array Labels) BuildLabel(ColumnReader reader, FeaturizeSpec spec, IReadOnlyList<int> rows, string dataName)
    {
        object?[] raw;
        bool numeric, boolean;
        if (reader.Exists(spec.Label))
        {
            numeric = reader.IsNumeric(spec.Label) == true;
            boolean = false;
            if (numeric)
            {
                var column = reader.Numbers(spec.Label);
                raw = rows.Select(r => (object?)column[r]).ToArray();
            }
            else
            {
                var column = reader.Texts(spec.Label);
                raw = rows.Select(r => (object?)column[r]).ToArray();
            }
        }
        else
        {
            var expression = RowExpression.Compile(spec.Label, reader.IsNumeric, "label");
            boolean = expression.ResultType == typeof(bool);
            numeric = FeaturizeMath.IsNumber(expression.ResultType);
            var values = new List<object?>(rows.Count);
            FeaturizeMath.Evaluate(reader, expression, (_, v) => values.Add(v), rows);
            raw = values.ToArray();
        }

        var missing = raw.Count(v => v is null || v is double d && double.IsNaN(d));
        if (missing > 0)
            throw new MlOpsException(
                $"The label '{spec.Label}' is missing in {missing} of {rows.Count} rows of '{dataName}'. Filter those rows out (e.g. --filter \"{spec.Label} >= 0\") or fill the label column.");

        var distinct = raw.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)!).Distinct().OrderBy(v => v, StringComparer.Ordinal).ToList();
        var task = spec.Task ?? Infer(boolean, numeric, raw, distinct.Count);
        if (task != MlTask.Regression && distinct.Count < 2)
            throw new MlOpsException(
                $"The label '{spec.Label}' has a single class ('{distinct.FirstOrDefault()}') in the {rows.Count} rows of '{dataName}' kept by the filter, " +
                $"so there is nothing to learn for a {task.ToName()} task. Change the label threshold or loosen the filter so both classes occur.");

        switch (task)
        {
            case MlTask.Binary:
                if (distinct.Count > 2)
                    throw new MlOpsException(
                        $"The label '{spec.Label}' has {distinct.Count} distinct values, too many for a binary task. Use --task multiclass or regression, or make the label a condition (e.g. \"{spec.Label} < 50\").");
                // Booleans map to themselves; any other two values map in sorted order (second = positive).
                return (task, raw.Select(v => v is bool b ? b : Convert.ToString(v, CultureInfo.InvariantCulture) == distinct[1]).ToArray());
            case MlTask.Regression:
                if (!numeric && !boolean)
                    throw new MlOpsException($"The label '{spec.Label}' is text; a regression needs a numeric label. Use --task multiclass, or another label.");
                return (task, raw.Select(v => Convert.ToSingle(v, CultureInfo.InvariantCulture)).ToArray());
            default:
                return (task, raw.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)!).ToArray());
        }
    }

    private static MlTask Infer(bool boolean, bool numeric, object?[] raw, int distinct)
    {
        if (boolean || distinct == 2)
            return MlTask.Binary;
        if (!numeric)
            return MlTask.Multiclass;
        var integral = raw.All(v => Convert.ToDouble(v, CultureInfo.InvariantCulture) is var d && d == Math.Floor(d));
        return integral && distinct <= 10 ? MlTask.Multiclass : MlTask.Regression;
    }

    private static List<FeatureSpec> ChooseFeatures(ColumnReader reader, FeaturizeSpec spec, IReadOnlyList<string> labelColumns,
        IReadOnlyList<int> rows, List<string> notes)
    {
        var explicitList = spec.Features.Count > 0;
        var candidates = explicitList
            ? spec.Features.ToList()
            : reader.Table.ColumnNames.Concat(spec.Derive.Select(d => d.Key))
                .Where(c => !labelColumns.Contains(c) && c != spec.SplitBy).Distinct().ToList();
        foreach (var missing in candidates.Where(c => !reader.Exists(c)))
            throw new MlOpsException(
                $"Feature column '{missing}' is not in '{reader.Table.Name}'. Its columns are: {string.Join(", ", reader.Table.ColumnNames)}. " +
                "Fix --features (names are case-sensitive) or add the column with featurize.derive.");
        foreach (var leak in candidates.Where(labelColumns.Contains))
            notes.Add($"feature '{leak}' is also used by the label: the model can read the answer off it");
        if (spec.MaxFeatures > 0 && candidates.Count > spec.MaxFeatures)
            candidates = candidates.Take(spec.MaxFeatures).ToList();

        var result = new List<FeatureSpec>();
        foreach (var column in candidates)
        {
            var declared = spec.Categorical.Contains(column);
            if (!declared && reader.IsNumeric(column) == true)
            {
                result.Add(new FeatureSpec { Column = column, Kind = "number", Fill = FillValue(reader.Numbers(column), rows, spec.Missing) });
                continue;
            }
            var text = reader.Texts(column);
            var categories = rows.Select(r => text[r]?.Trim()).Where(t => !string.IsNullOrEmpty(t)).Distinct(StringComparer.Ordinal)
                .OrderBy(t => t, StringComparer.Ordinal).ToList();
            if (!declared && (categories.Count > AutoCategoryLimit || categories.Count * 2 > rows.Count))
            {
                if (!explicitList)
                {
                    notes.Add($"text column '{column}' left out ({categories.Count} distinct values looks like an identifier)");
                    continue;
                }
                throw new MlOpsException(
                    $"Feature '{column}' is text with {categories.Count} distinct values in {rows.Count} rows (e.g. '{categories.FirstOrDefault()}'): it cannot be encoded usefully. " +
                    $"Leave it out of --features, or declare it with --categorical {column} if you really want one code per value.");
            }
            if (!declared)
                notes.Add($"text column '{column}' encoded as a category ({categories.Count} values)");
            result.Add(new FeatureSpec { Column = column, Kind = "category", Categories = categories!, OneHot = spec.Encoding == "onehot" });
        }
        if (result.Count == 0)
            throw new MlOpsException($"No usable feature columns in '{reader.Table.Name}'. Name them with --features a,b,c.");
        return result;
    }

    private static double FillValue(double[] column, IReadOnlyList<int> rows, string missing)
    {
        if (missing == "zero")
            return 0;
        var present = rows.Select(r => column[r]).Where(v => !double.IsNaN(v)).ToArray();
        if (present.Length == 0)
            return 0;
        if (missing == "mean")
            return present.Average();
        Array.Sort(present);
        return present.Length % 2 == 1 ? present[present.Length / 2] : (present[present.Length / 2 - 1] + present[present.Length / 2]) / 2;
    }
}
