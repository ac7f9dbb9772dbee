namespace MlOps.Pipeline;

/// <summary>
/// The featurize stage's output: a dense float matrix, the label, and the split column's values.
/// Cached as a compact binary file so that a changed train parameter never re-reads the CSV.
/// </summary>
public sealed class FeatureSet
{
    private const int FormatVersion = 1;

    public required IReadOnlyList<string> FeatureNames { get; init; }

    public required int Rows { get; init; }

    /// <summary>Row-major, Rows x FeatureNames.Count.</summary>
    public required float[] Values { get; init; }

    /// <summary>Exactly one of the label arrays is set, by task: binary, regression, multiclass.</summary>
    public bool[]? BoolLabels { get; init; }

    public float[]? NumberLabels { get; init; }

    public string[]? ClassLabels { get; init; }

    /// <summary>Values of the split-by column per row (null when splitting randomly).</summary>
    public string?[]? SplitValues { get; init; }

    public void Write(Stream stream)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(FormatVersion);
        w.Write(Rows);
        w.Write(FeatureNames.Count);
        foreach (var name in FeatureNames)
            w.Write(name);
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Values.AsSpan()));
        var kind = BoolLabels is not null ? 0 : NumberLabels is not null ? 1 : 2;
        w.Write((byte)kind);
        for (var i = 0; i < Rows; i++)
        {
            switch (kind)
            {
                case 0: w.Write(BoolLabels![i]); break;
                case 1: w.Write(NumberLabels![i]); break;
                default: w.Write(ClassLabels![i]); break;
            }
        }
        w.Write(SplitValues is not null);
        if (SplitValues is not null)
            foreach (var value in SplitValues)
                w.Write(value ?? "\0");
    }

    public static FeatureSet Read(Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        if (r.ReadInt32() != FormatVersion)
            throw new MlOpsException("A cached feature set was written by another version of MlOps. Re-run with --force to rebuild it.");
        var rows = r.ReadInt32();
        var names = Enumerable.Range(0, r.ReadInt32()).Select(_ => r.ReadString()).ToList();
        var values = new float[rows * names.Count];
        r.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        var kind = r.ReadByte();
        bool[]? bools = kind == 0 ? new bool[rows] : null;
        float[]? numbers = kind == 1 ? new float[rows] : null;
        string[]? classes = kind == 2 ? new string[rows] : null;
        for (var i = 0; i < rows; i++)
        {
            if (bools is not null) bools[i] = r.ReadBoolean();
            else if (numbers is not null) numbers[i] = r.ReadSingle();
            else classes![i] = r.ReadString();
        }
        string?[]? split = null;
        if (r.ReadBoolean())
        {
            split = new string?[rows];
            for (var i = 0; i < rows; i++)
                split[i] = r.ReadString() is var s && s == "\0" ? null : s;
        }
        return new FeatureSet
        {
            FeatureNames = names, Rows = rows, Values = values,
            BoolLabels = bools, NumberLabels = numbers, ClassLabels = classes, SplitValues = split,
        };
    }
}
