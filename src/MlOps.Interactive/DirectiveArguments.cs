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

    private MlOpsException WrongType(string option, string text, string kind) =>
        new($"{Subcommand.Usage}: {option} takes {kind}, not '{text}'. Write e.g. {option} 42.");
}
