using System.Globalization;
using System.Reflection;
using Microsoft.ML;

namespace MlOps.Training;

/// <summary>
/// A trainer by name, with its ML.NET options class: options are discovered from that class (public fields and
/// properties of simple types), set by name, and validated with messages that list what is valid.
/// </summary>
public sealed class TrainerDefinition
{
    private readonly Func<MLContext, object, IEstimator<ITransformer>> _create;
    private readonly Dictionary<string, MemberInfo> _members;

    internal TrainerDefinition(string name, MlTask task, Type optionsType, Func<MLContext, object, IEstimator<ITransformer>> create,
        IReadOnlyDictionary<string, string>? extraOptions = null)
    {
        Name = name;
        Task = task;
        OptionsType = optionsType;
        _create = create;
        _members = optionsType.GetMembers(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m is FieldInfo { IsInitOnly: false } or PropertyInfo { CanWrite: true })
            .Where(m => IsSimple(MemberType(m)) && !IsPlumbing(m.Name))
            .GroupBy(m => CamelCase(m.Name))
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        ExtraOptions = extraOptions ?? new Dictionary<string, string>();
    }

    public string Name { get; }

    public MlTask Task { get; }

    internal Type OptionsType { get; }

    /// <summary>Options handled by the definition itself, not the ML.NET options class (name -> description).</summary>
    internal IReadOnlyDictionary<string, string> ExtraOptions { get; }

    /// <summary>Option names as users write them (camelCase ML.NET names: numberOfTrees, learningRate, ...).</summary>
    public IReadOnlyList<string> OptionNames => _members.Keys.Concat(ExtraOptions.Keys).Order(StringComparer.Ordinal).ToList();

    /// <summary>Check names and values; returns canonical names with invariant-culture values.</summary>
    public IReadOnlyDictionary<string, string> Validate(IReadOnlyDictionary<string, string> options)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (given, value) in options)
        {
            var name = Canonical(given);
            if (result.ContainsKey(name))
                throw new MlOpsException(
                    $"Option {name} of trainer {Name} is set twice (as '{given}' and under another name, e.g. n_est and numberOfTrees). Keep one of them.");
            if (ExtraOptions.ContainsKey(name))
            {
                result[name] = value;
                continue;
            }
            var member = _members[name];
            result[name] = Format(Parse(member, value));
        }
        return result;
    }

    private string Canonical(string given)
    {
        if (given.Equals("n_est", StringComparison.OrdinalIgnoreCase))
        {
            // The published use case's name for the number of trees.
            foreach (var candidate in new[] { "numberOfTrees", "numberOfIterations" })
                if (_members.ContainsKey(candidate))
                    return candidate;
        }
        var match = _members.Keys.Concat(ExtraOptions.Keys).FirstOrDefault(k => k.Equals(given, StringComparison.OrdinalIgnoreCase));
        if (match is not null)
            return match;
        var suggestion = OptionNames.MinBy(k => Distance(k.ToLowerInvariant(), given.ToLowerInvariant()));
        var hint = suggestion is not null && Distance(suggestion.ToLowerInvariant(), given.ToLowerInvariant()) <= Math.Max(3, given.Length / 2)
            ? $" Did you mean {suggestion}?" : "";
        throw new MlOpsException(
            $"Trainer {Name} has no option '{given}'.{hint} Valid options: {string.Join(", ", OptionNames)}. Set them as train.<option>=<value>.");
    }

    private object? Parse(MemberInfo member, string text)
    {
        var type = MemberType(member);
        var target = Nullable.GetUnderlyingType(type) ?? type;
        var name = CamelCase(member.Name);
        text = text.Trim();
        if (Nullable.GetUnderlyingType(type) is not null && (text.Length == 0 || text.Equals("null", StringComparison.OrdinalIgnoreCase)))
            return null;
        try
        {
            if (target.IsEnum)
                return Enum.Parse(target, text, ignoreCase: true);
            if (target == typeof(bool))
                return bool.Parse(text);
            if (target == typeof(string))
                return text;
            return Convert.ChangeType(text, target, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or InvalidCastException)
        {
            var expected = target.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(target)) : TypeName(target);
            throw new MlOpsException($"Option {name} of trainer {Name} must be {expected}, but is '{text}'. Fix train.{name}.");
        }
    }

    public IEstimator<ITransformer> CreateEstimator(MLContext ml, IReadOnlyDictionary<string, string> options, int seed)
    {
        var instance = Activator.CreateInstance(OptionsType)!;
        // The trainer's own seed: FastForest and friends ignore MLContext's seed, so runs are only reproducible with it.
        if (_members.TryGetValue("seed", out var seedMember))
            SetValue(seedMember, instance, Convert.ChangeType(seed, Nullable.GetUnderlyingType(MemberType(seedMember)) ?? MemberType(seedMember), CultureInfo.InvariantCulture));
        foreach (var (name, value) in Validate(options).Where(o => !ExtraOptions.ContainsKey(o.Key)))
            SetValue(_members[name], instance, Parse(_members[name], value));
        return _create(ml, instance);
    }

    internal IReadOnlyDictionary<string, string> Extra(IReadOnlyDictionary<string, string> options) =>
        Validate(options).Where(o => ExtraOptions.ContainsKey(o.Key)).ToDictionary(o => o.Key, o => o.Value);

    private static void SetValue(MemberInfo member, object target, object? value)
    {
        if (member is FieldInfo field) field.SetValue(target, value);
        else ((PropertyInfo)member).SetValue(target, value);
    }

    private static Type MemberType(MemberInfo m) => m is FieldInfo f ? f.FieldType : ((PropertyInfo)m).PropertyType;

    private static bool IsSimple(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal);
    }

    // Column wiring is the pipeline's business, not a user option.
    private static bool IsPlumbing(string name) => name.EndsWith("ColumnName", StringComparison.Ordinal) || name is "Calibrator" or "MaximumCalibrationExampleCount";

    private static string CamelCase(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string TypeName(Type t) =>
        t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(uint) ? "a whole number"
        : t == typeof(float) || t == typeof(double) || t == typeof(decimal) ? "a number"
        : t == typeof(bool) ? "true or false"
        : t.Name;

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
