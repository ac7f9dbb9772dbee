using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.DotNet.Interactive.Commands;

namespace MlOps.Interactive;

/// <summary>
/// Reads a #!experiment line itself. The kernel's parser in 1.0.0-beta.26120.1 drops an option given more than
/// once (--set a=1 --set b=2, or two run ids for compare) and ignores unknown options, so the handlers re-read the
/// submitted line to get every value and to reject what the CLI would reject.
/// </summary>
internal static class DirectiveLine
{
    // Several #!experiment lines in one cell run in order: count how many of each submission were handled.
    private static readonly ConditionalWeakTable<KernelCommand, StrongBox<int>> Handled = new();

    /// <summary>
    /// The arguments of the line that produced <paramref name="command"/>: the next unhandled #!experiment line of
    /// its submission. Null when the command was sent on its own (a client sending the typed command as JSON).
    /// </summary>
    public static DirectiveArguments? For(KernelCommand command)
    {
        for (var parent = command.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is not SubmitCode submit)
                continue;
            var lines = submit.Code.Split('\n').Select(l => l.Trim()).Where(IsExperimentLine).ToList();
            if (lines.Count == 0)
                continue;
            var counter = Handled.GetOrCreateValue(submit);
            var index = counter.Value++;
            return Parse(lines[Math.Min(index, lines.Count - 1)]);
        }

        return null;
    }

    private static bool IsExperimentLine(string line) =>
        line.StartsWith(ExperimentSyntax.Directive, StringComparison.Ordinal)
        && (line.Length == ExperimentSyntax.Directive.Length || char.IsWhiteSpace(line[ExperimentSyntax.Directive.Length]));

    public static DirectiveArguments Parse(string line)
    {
        var tokens = Tokenize(line.Trim());
        if (tokens.Count < 2 || tokens[0] != ExperimentSyntax.Directive)
            throw Usage($"{ExperimentSyntax.Directive} needs a subcommand.");
        var subcommand = ExperimentSyntax.Subcommands.FirstOrDefault(s => s.Name == tokens[1])
            ?? throw Usage($"Unknown subcommand '{tokens[1]}'.");

        var values = new Dictionary<string, List<string>>();
        var positional = subcommand.Options.FirstOrDefault(o => o.Positional);
        for (var i = 2; i < tokens.Count; i++)
        {
            var token = tokens[i];
            OptionSpec option;
            string value;
            if (token.StartsWith("--", StringComparison.Ordinal))
            {
                option = subcommand.Find(token) ?? throw Unknown(subcommand, token);
                if (option.Flag)
                {
                    Add(option, "true");
                    continue;
                }
                if (i + 1 >= tokens.Count)
                    throw new MlOpsException($"{ExperimentSyntax.Directive} {subcommand.Name}: {token} needs a value. Write {token} <value>.");
                value = tokens[++i];
            }
            else
            {
                option = positional ?? throw new MlOpsException(
                    $"{ExperimentSyntax.Directive} {subcommand.Name} takes no value without an option name, but got '{token}'. Put it after an option, e.g. --name {token}.");
                value = token;
            }

            if (option.NumberKind is { } kind && !IsNumber(value, kind))
                throw new MlOpsException($"{ExperimentSyntax.Directive} {subcommand.Name}: {option.Name} takes {kind}, not '{value}'.");
            Add(option, value);
        }

        foreach (var required in subcommand.Options.Where(o => o.Required && !values.ContainsKey(o.Name)))
            throw new MlOpsException($"{ExperimentSyntax.Directive} {subcommand.Name}: missing required option {required.Name} ({required.Description})");
        return new DirectiveArguments(subcommand, values.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value));

        void Add(OptionSpec option, string value)
        {
            if (!values.TryGetValue(option.Name, out var list))
                values[option.Name] = list = [];
            else if (!option.Repeatable)
                throw new MlOpsException($"{ExperimentSyntax.Directive} {subcommand.Name}: {option.Name} is given twice. Give it once.");
            list.Add(value);
        }
    }

    private static bool IsNumber(string value, string kind) => kind == "an integer"
        ? int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
        : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static MlOpsException Unknown(SubcommandSpec subcommand, string token) => new(
        $"{ExperimentSyntax.Directive} {subcommand.Name} has no option '{token}'" +
        (Training.NameSuggestion.Closest(token, subcommand.AllOptions.Select(o => o.Name).ToList()) is { } close ? $" (did you mean {close}?)" : "") +
        $". Its options are: {string.Join(", ", subcommand.AllOptions.Select(o => o.Name))}.");

    private static MlOpsException Usage(string problem) => new(
        $"{problem} Write {ExperimentSyntax.Directive} <{string.Join("|", ExperimentSyntax.Subcommands.Select(s => s.Name))}> [options], e.g. " +
        $"{ExperimentSyntax.Directive} run --name uc1 --data data.csv --label \"world_rank < 50\".");

    /// <summary>Splits on white space; double quotes group (a backslash escapes a quote inside them), as the kernel's parser does.</summary>
    internal static List<string> Tokenize(string line)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var inQuotes = false;
        var hasToken = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (inQuotes)
            {
                if (c == '\\' && i + 1 < line.Length && line[i + 1] == '"')
                    current.Append(line[++i]);
                else if (c == '"')
                    inQuotes = false;
                else
                    current.Append(c);
            }
            else if (c == '"')
            {
                inQuotes = hasToken = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (hasToken)
                    tokens.Add(current.ToString());
                current.Clear();
                hasToken = false;
            }
            else
            {
                current.Append(c);
                hasToken = true;
            }
        }

        if (inQuotes)
            throw new MlOpsException($"A quote is not closed in: {line}. Close it with \".");
        if (hasToken)
            tokens.Add(current.ToString());
        return tokens;
    }
}
