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
            offset += feature.Kind == "number"
                ? FillNumbers(reader.Numbers(feature.Column), rows, rows.Count, feature.Fill, values, slots, offset)
                : FillCategories(reader.Texts(feature.Column), rows, rows.Count, Codes(feature), feature.OneHot, values, slots, offset);
        return values;
    }

    private static Dictionary<string, int> Codes(FeatureSpec feature) =>
        feature.Categories.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);

    /// <summary>One number feature into its slot of each row (<paramref name="rows"/> null: rows 0..count-1); returns the slots used.</summary>
    private static int FillNumbers(double[] column, IReadOnlyList<int>? rows, int count, double fill, float[] values, int slots, int offset)
    {
        for (var r = 0; r < count; r++)
        {
            var v = column[rows?[r] ?? r];
            values[r * slots + offset] = (float)(double.IsNaN(v) ? fill : v);
        }
        return 1;
    }

    /// <summary>One category feature: its code (-1 unknown or missing), or a one-hot slot per category; returns the slots used.</summary>
    private static int FillCategories(string?[] text, IReadOnlyList<int>? rows, int count, Dictionary<string, int> codes, bool oneHot, float[] values, int slots, int offset)
    {
        for (var r = 0; r < count; r++)
        {
            var code = text[rows?[r] ?? r] is { } cell && codes.TryGetValue(cell.Trim(), out var c) ? c : -1;
            if (!oneHot)
                values[r * slots + offset] = code;
            else if (code >= 0)
                values[r * slots + offset + code] = 1f;
        }
        return oneHot ? codes.Count : 1;
    }

    /// <summary>
    /// <see cref="Transform"/> compiled for rows already in signature order (<see cref="Serving.SignatureRows"/>):
    /// each feature's source column and category codes are looked up once, so a request pays no table, reader or
    /// dictionary building. Null when derived columns are involved or a feature's column is not a signature column
    /// of its kind; the caller then goes through a table and <see cref="Transform"/>.
    /// </summary>
    internal SignatureTransform? ForSignature(IReadOnlyList<SchemaColumn> signature)
    {
        if (Derive.Count > 0)
            return null;
        var names = signature.Select(c => c.Name).ToList();
        var steps = new List<SignatureTransform.Step>(Features.Count);
        foreach (var feature in Features)
        {
            var at = names.IndexOf(feature.Column);
            if (at < 0 || (signature[at].Type == "number") != (feature.Kind == "number"))
                return null;
            steps.Add(new SignatureTransform.Step(at, feature, feature.Kind == "number" ? null : Codes(feature)));
        }
        return new SignatureTransform(steps, SlotNames.Count);
    }

    internal sealed class SignatureTransform(IReadOnlyList<SignatureTransform.Step> steps, int slots)
    {
        internal sealed record Step(int Column, FeatureSpec Feature, Dictionary<string, int>? Codes);

        /// <summary>The feature matrix (row-major) of <paramref name="rows"/>, value for value what <see cref="FittedFeaturizer.Transform"/> gives.</summary>
        public float[] Transform(Serving.SignatureRows rows)
        {
            var values = new float[rows.Count * slots];
            var offset = 0;
            foreach (var step in steps)
                offset += step.Codes is null
                    ? FillNumbers(rows.Numbers(step.Column)!, null, rows.Count, step.Feature.Fill, values, slots, offset)
                    : FillCategories(rows.Texts(step.Column)!, null, rows.Count, step.Codes, step.Feature.OneHot, values, slots, offset);
            return values;
        }
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static FittedFeaturizer FromJson(string json) =>
        JsonSerializer.Deserialize<FittedFeaturizer>(json, Json) ?? throw new MlOpsException("The stored featurizer is empty. Re-run the experiment with --force.");
}
