namespace MlOps.Pipeline;

/// <summary>Evaluating row expressions over whole columns.</summary>
internal static class FeaturizeMath
{
    public static double[] EvaluateNumbers(ColumnReader reader, string text, string what)
    {
        var expression = RowExpression.Compile(text, reader.IsNumeric, what);
        if (!IsNumber(expression.ResultType) && expression.ResultType != typeof(bool))
            throw new MlOpsException($"The {what} expression '{text}' gives {expression.ResultType.Name}, not a number. Make it compute a number.");
        var result = new double[reader.RowCount];
        Evaluate(reader, expression, (row, value) => result[row] = Convert.ToDouble(value));
        return result;
    }

    public static bool IsNumber(Type type) =>
        type == typeof(double) || type == typeof(float) || type == typeof(int) || type == typeof(long) || type == typeof(decimal);

    /// <summary>Run <paramref name="expression"/> on every row, handing each result to <paramref name="sink"/>.</summary>
    public static void Evaluate(ColumnReader reader, RowExpression expression, Action<int, object?> sink, IReadOnlyList<int>? rows = null)
    {
        var numberColumns = expression.NumberColumns.Select(reader.Numbers).ToArray();
        var textColumns = expression.TextColumns.Select(reader.Texts).ToArray();
        var numbers = new double[numberColumns.Length];
        var texts = new string?[textColumns.Length];
        var count = rows?.Count ?? reader.RowCount;
        for (var i = 0; i < count; i++)
        {
            var row = rows?[i] ?? i;
            for (var c = 0; c < numbers.Length; c++)
                numbers[c] = numberColumns[c][row];
            for (var c = 0; c < texts.Length; c++)
                texts[c] = textColumns[c][row];
            object? value;
            try
            {
                value = expression.Evaluate(numbers, texts);
            }
            catch (Exception e) when (e is NullReferenceException or InvalidCastException or ArithmeticException)
            {
                throw new MlOpsException(
                    $"The expression '{expression.Text}' failed on data row {row + 1}: {e.Message} Guard against missing values (text columns can be null).", e);
            }
            sink(row, value);
        }
    }
}
