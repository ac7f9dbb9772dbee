using System.Linq.Expressions;
using System.Text.RegularExpressions;
using DynamicExpresso;
using DynamicExpresso.Exceptions;

namespace MlOps.Pipeline;

/// <summary>
/// A C#-syntax expression over the columns of one row (<c>world_rank &lt;= 100</c>, <c>1 - female_male_ratio</c>),
/// compiled once to a typed delegate so that a million rows cost a delegate call each, not an interpretation.
/// Numeric columns are doubles (NaN = missing), text columns are strings (null = missing).
/// </summary>
internal sealed class RowExpression
{
    private readonly Func<double[], string?[], object?> _evaluate;

    private RowExpression(string text, Type resultType, IReadOnlyList<string> numberColumns, IReadOnlyList<string> textColumns,
        Func<double[], string?[], object?> evaluate)
    {
        Text = text;
        ResultType = resultType;
        NumberColumns = numberColumns;
        TextColumns = textColumns;
        _evaluate = evaluate;
    }

    public string Text { get; }

    public Type ResultType { get; }

    public IReadOnlyList<string> NumberColumns { get; }

    public IReadOnlyList<string> TextColumns { get; }

    public IEnumerable<string> Columns => NumberColumns.Concat(TextColumns);

    /// <summary>Columns an expression mentions, without compiling it (to decide which columns to read).</summary>
    public static IReadOnlyList<string> ReferencedNames(string text, string what)
    {
        try
        {
            return new Interpreter().DetectIdentifiers(text).UnknownIdentifiers.ToList();
        }
        catch (ParseException e)
        {
            throw ParseError(text, what, e);
        }
    }

    /// <param name="isNumeric">For a column name: true = number, false = text, null = no such column.</param>
    /// <param name="what">What the expression is for, in messages ("filter", "label").</param>
    public static RowExpression Compile(string text, Func<string, bool?> isNumeric, string what)
    {
        // Scoring compiles the same label and derived expressions for every request or chunk; parsing and compiling
        // costs milliseconds each time, so compiled expressions are kept by text and column types.
        var names = ReferencedNames(text, what);
        var key = what + "\u001f" + text + "\u001f" + string.Concat(names.Select(n => isNumeric(n) switch { true => 'n', false => 't', null => '?' }));
        if (Compiled.TryGetValue(key, out var known))
            return known;
        var compiled = CompileNew(text, isNumeric, what);
        if (Compiled.Count >= MaxCompiled)
            Compiled.Clear(); // notebooks may try many expressions; the few in use are compiled again
        Compiled[key] = compiled;
        return compiled;
    }

    private const int MaxCompiled = 256;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, RowExpression> Compiled = new(StringComparer.Ordinal);

    private static RowExpression CompileNew(string text, Func<string, bool?> isNumeric, string what)
    {
        var interpreter = new Interpreter(InterpreterOptions.DefaultCaseInsensitive & ~InterpreterOptions.CaseInsensitive);
        var numbers = Expression.Parameter(typeof(double[]), "numbers");
        var texts = Expression.Parameter(typeof(string?[]), "texts");
        var numberColumns = new List<string>();
        var textColumns = new List<string>();
        foreach (var name in ReferencedNames(text, what))
        {
            switch (isNumeric(name))
            {
                case true:
                    interpreter.SetExpression(name, Expression.ArrayIndex(numbers, Expression.Constant(numberColumns.Count)));
                    numberColumns.Add(name);
                    break;
                case false:
                    interpreter.SetExpression(name, Expression.ArrayIndex(texts, Expression.Constant(textColumns.Count)));
                    textColumns.Add(name);
                    break;
                default:
                    throw new MlOpsException(
                        $"The {what} expression '{text}' uses '{name}', which is not a column of the data. " +
                        "Use a column name exactly as in the header (case-sensitive), or a ${param} reference for a parameter.");
            }
        }
        Lambda lambda;
        try
        {
            lambda = interpreter.Parse(text);
        }
        catch (ParseException e)
        {
            throw ParseError(text, what, e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new MlOpsException($"The {what} expression '{text}' does not type-check: {e.Message} Numeric columns are double, text columns are string.", e);
        }
        var body = Expression.Convert(lambda.Expression, typeof(object));
        var compiled = Expression.Lambda<Func<double[], string?[], object?>>(body, numbers, texts).Compile();
        return new RowExpression(text, lambda.ReturnType, numberColumns, textColumns, compiled);
    }

    private static MlOpsException ParseError(string text, string what, ParseException e)
    {
        // The parser's message repeats the position as " (at index N)."; say it once, with the text read so far.
        var reason = Regex.Replace(e.Message, @"\s*\(at index \d+\)\.?$|\.$", "");
        var before = text[..Math.Clamp(e.Position, 0, text.Length)].TrimEnd();
        return new($"The {what} expression '{text}' does not parse at position {e.Position} (after '{before}'): {reason}. " +
            $"Fix the {what}: write a C# expression over column names, e.g. world_rank <= 100 or country == \"USA\".", e);
    }

    public object? Evaluate(double[] numbers, string?[] texts) => _evaluate(numbers, texts);
}
