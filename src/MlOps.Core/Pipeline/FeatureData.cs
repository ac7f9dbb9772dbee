using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlOps.Pipeline;

/// <summary>Turns a <see cref="FeatureSet"/> (or part of it) into the IDataView the trainers read: Features + Label.</summary>
internal static class FeatureData
{
    private sealed class BoolRow { public float[] Features = []; public bool Label; }

    private sealed class NumberRow { public float[] Features = []; public float Label; }

    private sealed class ClassRow { public float[] Features = []; public string Label = ""; }

    public static IDataView ToDataView(MLContext ml, FeatureSet set, bool[]? isTest, bool test)
    {
        var width = set.FeatureNames.Count;
        var rows = Enumerable.Range(0, set.Rows).Where(i => isTest is null || isTest[i] == test).ToArray();
        float[] Slice(int i) => set.Values.AsSpan(i * width, width).ToArray();
        if (set.BoolLabels is { } bools)
            return Load(ml, rows.Select(i => new BoolRow { Features = Slice(i), Label = bools[i] }).ToList(), width);
        if (set.NumberLabels is { } numbers)
            return Load(ml, rows.Select(i => new NumberRow { Features = Slice(i), Label = numbers[i] }).ToList(), width);
        return Load(ml, rows.Select(i => new ClassRow { Features = Slice(i), Label = set.ClassLabels![i] }).ToList(), width);
    }

    private static IDataView Load<T>(MLContext ml, List<T> rows, int width) where T : class
    {
        var schema = SchemaDefinition.Create(typeof(T));
        schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }
}
