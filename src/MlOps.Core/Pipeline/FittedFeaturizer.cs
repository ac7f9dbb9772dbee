using System.Text.Json;
using System.Text.Json.Serialization;
using MlOps.Tracking;

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
