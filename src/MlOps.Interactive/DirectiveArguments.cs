using System.Globalization;

namespace MlOps.Interactive;

/// <summary>The options of one directive line, by option name (positional values under their option's name).</summary>
internal sealed class DirectiveArguments(SubcommandSpec subcommand, IReadOnlyDictionary<string, IReadOnlyList<string>> values)
{
    public SubcommandSpec Subcommand { get; } = subcommand;

    public string? One(string option) => values.TryGetValue(option, out var v) ? v[^1] : null;

    public IReadOnlyList<string> All(string option) => values.TryGetValue(option, out var v) ? v : [];

    public bool Flag(string option) => values.ContainsKey(option);

    public int? Int(string option) =>
        One(option) is not { } text ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
        : throw WrongType(option, text, "an integer");

    public double? Double(string option) =>
        One(option) is not { } text ? null
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n
        : throw WrongType(option, text, "a number");

    /// <summary>
    /// Replace `@csharp:name` values with the named C# variable's value (a ModelVersion gives its number, a Run its id,
    /// anything else its invariant text). An unknown name fails with the fix rather than passing the text through.
    /// </summary>
    public DirectiveArguments Resolve(Func<string, object?> variable)
    {
        const string prefix = "@csharp:";
        if (!values.Values.Any(v => v.Any(x => x.StartsWith(prefix, StringComparison.Ordinal))))
            return this;
        var resolved = values.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value.Select(value =>
        {
            if (!value.StartsWith(prefix, StringComparison.Ordinal))
                return value;
            var name = value[prefix.Length..];
            return variable(name) switch
            {
                null => throw new MlOpsException($"{Subcommand.Usage}: {value} names no C# variable. Define `var {name} = ...;` in an earlier C# cell, or write the value itself."),
                Registry.ModelVersion v => v.Version.ToString(CultureInfo.InvariantCulture),
                Tracking.Run r => r.Id,
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var other => other.ToString() ?? "",
            };
        }).ToList());
        return new DirectiveArguments(Subcommand, resolved);
    }

    private MlOpsException WrongType(string option, string text, string kind) =>
        new($"{Subcommand.Usage}: {option} takes {kind}, not '{text}'. Write e.g. {option} 42.");
}
