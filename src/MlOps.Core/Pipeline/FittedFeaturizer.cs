using System.Text.Json;
using System.Text.Json.Serialization;
using MlOps.Tracking;
using MlOps.Training;

namespace MlOps.Pipeline;

/// <summary>
/// Featurize as learned from the training data: derived columns, the feature list with fill values and category
/// codes. Stored with every run so that scoring raw rows later applies exactly the training featurization.
/// </summary>
public sealed record FittedFeaturizer
{
    public IReadOnlyList<KeyValuePair<string, string>> Derive { get; init; } = [];

    public IReadOnlyList<FeatureSpec> Features { get; init; } = [];

    public string Label { get; init; } = "";

    public string? Filter { get; init; }

    /// <summary>binary | multiclass | regression.</summary>
    public string Task { get; init; } = "";

    /// <summary>Hash of user C# steps; scoring outside the notebook that registered them must re-register them.</summary>
    public string CodeHash { get; init; } = "";

    public IReadOnlyList<string> SlotNames => Features.SelectMany(f => f.SlotNames).ToList();

    /// <summary>The raw columns a caller must provide to score: the model's input signature.</summary>
    public IReadOnlyList<SchemaColumn> Signature
    {
        get
        {
            var derived = Derive.Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
            var needed = new List<SchemaColumn>();
            foreach (var (_, expression) in Derive)
                foreach (var name in RowExpression.ReferencedNames(expression, "derive"))
                    if (!derived.Contains(name) && needed.All(c => c.Name != name))
                        needed.Add(new SchemaColumn(name, "number"));
            foreach (var feature in Features.Where(f => !derived.Contains(f.Column) && needed.All(c => c.Name != f.Column)))
                needed.Add(new SchemaColumn(feature.Column, feature.Kind));
            return needed;
        }
    }

    /// <summary>Apply the derived columns to a reader (training and scoring both go through here).</summary>
    internal void AddDerivedColumns(ColumnReader reader)
    {
        foreach (var (name, expression) in Derive)
            reader.AddDerived(name, FeaturizeMath.EvaluateNumbers(reader, expression, "derive." + name));
    }

    /// <summary>
    /// The raw columns the label is computed from (the label column itself, or the columns its expression names),
    /// so that a scoring file which has them can be evaluated.
    /// </summary>
    public IReadOnlyList<string> LabelColumns(IEnumerable<string> available)
    {
        var names = available.ToHashSet(StringComparer.Ordinal);
        if (Label.Length == 0)
            return [];
        if (names.Contains(Label))
            return [Label];
        var derived = Derive.Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        try
        {
            return RowExpression.ReferencedNames(Label, "label").Where(n => !derived.Contains(n)).ToList();
        }
        catch (MlOpsException)
        {
            return [];
        }
    }

    /// <summary>
    /// Each row's true label as training computed it (bool for binary label conditions, class text for multiclass,
    /// a number for regression; null where missing), or null when it cannot be derived the same way: a binary label
    /// that is not a condition was mapped through the training data's two values, which are not stored.
    /// </summary>
    internal object?[]? Labels(ColumnReader reader)
    {
        if (Label.Length == 0)
            return null;
        object?[] raw;
        if (reader.Exists(Label))
        {
            raw = reader.IsNumeric(Label) == true
                ? reader.Numbers(Label).Select(v => double.IsNaN(v) ? null : (object?)v).ToArray()
                : reader.Texts(Label).Select(t => (object?)t).ToArray();
        }
        else
        {
            if (RowExpression.ReferencedNames(Label, "label").Any(n => !reader.Exists(n)))
                return null;
            var expression = RowExpression.Compile(Label, reader.IsNumeric, "label");
            raw = new object?[reader.RowCount];
            FeaturizeMath.Evaluate(reader, expression, (row, value) => raw[row] = value is double d && double.IsNaN(d) ? null : value);
        }
        return MlTaskNames.Parse(Task) switch
        {
            MlTask.Binary => raw.All(v => v is null or bool) ? raw : null,
            MlTask.Regression => raw.Select(v => v is null ? null : (object?)Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            _ => raw.Select(v => v is null ? null : (object?)Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
        };
    }

    /// <summary>Feature matrix (row-major) for the given rows of a reader that already has the derived columns.</summary>
    internal float[] Transform(ColumnReader reader, IReadOnlyList<int> rows)
    {
        var slots = SlotNames.Count;
        var values = new float[rows.Count * slots];
        var offset = 0;
        foreach (var feature in Features)
        {
            if (feature.Kind == "number")
            {
                var column = reader.Numbers(feature.Column);
                for (var r = 0; r < rows.Count; r++)
                {
                    var v = column[rows[r]];
                    values[r * slots + offset] = (float)(double.IsNaN(v) ? feature.Fill : v);
                }
                offset++;
                continue;
            }
            var codes = feature.Categories.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
            var text = reader.Texts(feature.Column);
            for (var r = 0; r < rows.Count; r++)
            {
                var code = text[rows[r]] is { } cell && codes.TryGetValue(cell.Trim(), out var c) ? c : -1;
                if (!feature.OneHot)
                    values[r * slots + offset] = code;
                else if (code >= 0)
                    values[r * slots + offset + code] = 1f;
            }
            offset += feature.OneHot ? feature.Categories.Count : 1;
        }
        return values;
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static FittedFeaturizer FromJson(string json) =>
        JsonSerializer.Deserialize<FittedFeaturizer>(json, Json) ?? throw new MlOpsException("The stored featurizer is empty. Re-run the experiment with --force.");
}
