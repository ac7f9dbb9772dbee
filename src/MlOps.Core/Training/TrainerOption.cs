using System.Globalization;
using System.Reflection;

namespace MlOps.Training;

/// <summary>
/// One user-settable field or property of an ML.NET trainer Options object (or of a nested object such as
/// LightGbm's booster), with its camelCase name and the parsing rules for its type.
/// </summary>
internal sealed class TrainerOption
{
    private readonly MemberInfo _member;
    private readonly Func<object, object> _target;

    private TrainerOption(string name, MemberInfo member, Type memberType, Func<object, object> target)
    {
        Name = name;
        _member = member;
        _target = target;
        MemberType = memberType;
        ValueType = Nullable.GetUnderlyingType(memberType) ?? memberType;
    }

    public string Name { get; }

    /// <summary>Declared type, possibly Nullable&lt;T&gt;.</summary>
    public Type MemberType { get; }

    /// <summary>The type a value parses to (T for Nullable&lt;T&gt;).</summary>
    public Type ValueType { get; }

    public bool IsNullable => MemberType != ValueType;

    /// <summary>The name the user reads in messages: int, double, bool, one of A|B|C, ...</summary>
    public string TypeDescription
    {
        get
        {
            var d = ValueType == typeof(int) || ValueType == typeof(long) ? "integer"
                : ValueType == typeof(float) || ValueType == typeof(double) ? "number"
                : ValueType == typeof(bool) ? "true/false"
                : "one of " + string.Join("|", Enum.GetNames(ValueType));
            return IsNullable ? d + " (or auto)" : d;
        }
    }

    // Plumbing the pipeline owns, the run seed owns, or pure console/diagnostic switches: not user options.
    private static readonly HashSet<string> Excluded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Seed", "FeatureSelectionSeed", "Verbose", "Silent", "Quiet", "ExecutionTime", "MemoryStatistics",
        "ShowTrainingStatistics", "WriteLastEnsemble",
    };

    /// <summary>Member names that the engine sets from the run seed and so rejects as options.</summary>
    internal static readonly IReadOnlySet<string> SeedMembers = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Seed", "FeatureSelectionSeed",
    };

    public static IEnumerable<TrainerOption> Discover(Type optionsType, Func<object, object> target)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance;
        foreach (var f in optionsType.GetFields(flags))
        {
            if (!f.IsInitOnly && IsUserOption(f.Name, f.FieldType))
                yield return new TrainerOption(CamelCase(f.Name), f, f.FieldType, target);
        }
        foreach (var p in optionsType.GetProperties(flags))
        {
            if (p.CanWrite && p.SetMethod!.IsPublic && p.GetIndexParameters().Length == 0 && IsUserOption(p.Name, p.PropertyType))
                yield return new TrainerOption(CamelCase(p.Name), p, p.PropertyType, target);
        }
    }

    private static bool IsUserOption(string name, Type type)
        => !name.EndsWith("ColumnName", StringComparison.Ordinal) && !Excluded.Contains(name) && IsSupported(type);

    private static bool IsSupported(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(int) || t == typeof(long) || t == typeof(float) || t == typeof(double) || t == typeof(bool) || t.IsEnum;
    }

    public static string CamelCase(string name)
    {
        // L1Regularization -> l1Regularization, NumberOfTrees -> numberOfTrees.
        return name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
    }

    /// <summary>Parses a user string; null result means "leave to ML.NET" (only for nullable options).</summary>
    public bool TryParse(string text, out object? value)
    {
        value = null;
        var s = text.Trim();
        if (IsNullable && (s.Length == 0 || s.Equals("auto", StringComparison.OrdinalIgnoreCase) || s.Equals("null", StringComparison.OrdinalIgnoreCase)))
            return true;

        var inv = CultureInfo.InvariantCulture;
        if (ValueType == typeof(int))
        {
            if (!int.TryParse(s, NumberStyles.Integer, inv, out var i)) return false;
            value = i;
        }
        else if (ValueType == typeof(long))
        {
            if (!long.TryParse(s, NumberStyles.Integer, inv, out var l)) return false;
            value = l;
        }
        else if (ValueType == typeof(float))
        {
            if (!float.TryParse(s, NumberStyles.Float, inv, out var f) || !float.IsFinite(f)) return false;
            value = f;
        }
        else if (ValueType == typeof(double))
        {
            if (!double.TryParse(s, NumberStyles.Float, inv, out var d) || !double.IsFinite(d)) return false;
            value = d;
        }
        else if (ValueType == typeof(bool))
        {
            if (bool.TryParse(s, out var b)) value = b;
            else if (s is "1" or "0") value = s == "1";
            else return false;
        }
        else
        {
            // By name only: Enum.TryParse would also accept any number, even one that names no member.
            var match = Enum.GetNames(ValueType).FirstOrDefault(n => n.Equals(s, StringComparison.OrdinalIgnoreCase));
            if (match is null) return false;
            value = Enum.Parse(ValueType, match);
        }
        return true;
    }

    /// <summary>The canonical text of a parsed value, so equal settings always record equally.</summary>
    public static string Format(object? value) => value switch
    {
        null => "auto",
        bool b => b ? "true" : "false",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable x when value.GetType().IsEnum => value.ToString()!,
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public void Apply(object options, object? value)
    {
        var target = _target(options);
        switch (_member)
        {
            case FieldInfo f: f.SetValue(target, value); break;
            case PropertyInfo p: p.SetValue(target, value); break;
        }
    }
}
