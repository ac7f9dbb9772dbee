using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.DotNet.Interactive.Commands;

namespace MlOps.Interactive;

/// <summary>
/// Reads a directive line (#!experiment, #!register, ...) itself. The kernel's parser in 1.0.0-beta.26120.1 drops an option given more than
/// once (--set a=1 --set b=2, or two run ids for compare) and ignores unknown options, so the handlers re-read the
/// submitted line to get every value and to reject what the CLI would reject.
/// </summary>
internal static class DirectiveLine
{
    // Several directive lines in one cell run in order: count how many of each directive were handled per submission.
    private static readonly ConditionalWeakTable<KernelCommand, Dictionary<string, int>> Handled = new();

    /// <summary>
    /// The arguments of the line that produced <paramref name="command"/>: the next unhandled line of its directive
    /// in its submission. Null when the command was sent on its own (a client sending the typed command as JSON).
    /// </summary>
    public static DirectiveArguments? For(KernelCommand command, string directive = ExperimentSyntax.Directive)
    {
        for (var parent = command.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is not SubmitCode submit)
                continue;
            var lines = submit.Code.Split('\n').Select(l => l.Trim()).Where(l => IsLineOf(l, directive)).ToList();
            if (lines.Count == 0)
                continue;
            var counters = Handled.GetOrCreateValue(submit);
            lock (counters)
            {
                var index = counters.GetValueOrDefault(directive);
                counters[directive] = index + 1;
                return Parse(lines[Math.Min(index, lines.Count - 1)]);
            }
        }

        return null;
    }

    private static bool IsLineOf(string line, string directive) =>
        line.StartsWith(directive, StringComparison.Ordinal) && (line.Length == directive.Length || char.IsWhiteSpace(line[directive.Length]));

    public static DirectiveArguments Parse(string line)
    {
        var tokens = Tokenize(line.Trim());
        var directive = tokens.Count > 0 ? tokens[0] : "";
        var specs = DirectiveSyntax.Of(directive);
        if (specs.Count == 0)
            throw Usage(ExperimentSyntax.Directive, $"'{directive}' is not an MlOps directive.");
        SubcommandSpec subcommand;
        int first;
        if (specs is [{ IsVerb: true } verb])
            (subcommand, first) = (verb, 1);
        else if ((tokens.Count < 2 || tokens[1].StartsWith("--", StringComparison.Ordinal)) && specs.FirstOrDefault(s => s.IsDefault) is { } implied)
            (subcommand, first) = (implied, 1);
        else if (tokens.Count < 2)
            throw Usage(directive, $"{directive} needs a subcommand.");
        else
            (subcommand, first) = (specs.FirstOrDefault(s => s.Name == tokens[1]) ?? throw Usage(directive, $"Unknown subcommand '{tokens[1]}'."), 2);

        var values = new Dictionary<string, List<string>>();
        var positional = subcommand.Options.FirstOrDefault(o => o.Positional);
        for (var i = first; i < tokens.Count; i++)
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
                    throw new MlOpsException($"{subcommand.Usage}: {token} needs a value. Write {token} <value>.");
                value = tokens[++i];
            }
            else
            {
                option = positional ?? throw new MlOpsException(
                    $"{subcommand.Usage} takes no value without an option name, but got '{token}'. Put it after an option, e.g. {subcommand.Options.FirstOrDefault(o => !o.Flag)?.Name ?? "--store"} {token}.");
                value = token;
            }

            if (option.NumberKind is { } kind && !value.StartsWith("@csharp:", StringComparison.Ordinal) && !IsNumber(value, kind))
                throw new MlOpsException($"{subcommand.Usage}: {option.Name} takes {kind}, not '{value}'.");
            Add(option, value);
        }

        foreach (var required in subcommand.Options.Where(o => o.Required && !values.ContainsKey(o.Name)))
            throw new MlOpsException($"{subcommand.Usage}: missing required option {required.Name} ({required.Description})");
        return new DirectiveArguments(subcommand, values.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value));

        void Add(OptionSpec option, string value)
        {
            if (!values.TryGetValue(option.Name, out var list))
                values[option.Name] = list = [];
            else if (!option.Repeatable)
                throw new MlOpsException($"{subcommand.Usage}: {option.Name} is given twice. Give it once.");
            list.Add(value);
        }
    }

    private static bool IsNumber(string value, string kind) => kind == "an integer"
        ? int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
        : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static MlOpsException Unknown(SubcommandSpec subcommand, string token) => new(
        $"{subcommand.Usage} has no option '{token}'" +
        (Training.NameSuggestion.Closest(token, subcommand.AllOptions.Select(o => o.Name).ToList()) is { } close ? $" (did you mean {close}?)" : "") +
        $". Its options are: {string.Join(", ", subcommand.AllOptions.Select(o => o.Name))}.");

    private static MlOpsException Usage(string directive, string problem) => new(
        $"{problem} Write {directive} <{string.Join("|", DirectiveSyntax.Of(directive).Select(s => s.Name))}> [options]" +
        (directive == ExperimentSyntax.Directive ? $", e.g. {directive} run --name uc1 --data data.csv --label \"world_rank < 50\"." : "."));

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
