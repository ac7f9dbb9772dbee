using System.Runtime.CompilerServices;
using MlOps.Data;
using MlOps.Hashing;

namespace MlOps.Pipeline;

/// <summary>
/// Featurize steps written in C# by the user, for what the built-in steps cannot express. Each step's source
/// text is captured at the call site and hashed into the featurize cache key, so editing the code re-runs featurize.
/// </summary>
public sealed class CustomSteps
{
    private readonly List<(string Name, Func<Table, Table> Apply, string Source)> _steps = [];

    public bool IsEmpty => _steps.Count == 0;

    /// <summary>Replace the loaded table by <paramref name="transform"/>(table) before the built-in steps.</summary>
    public CustomSteps Transform(string name, Func<Table, Table> transform, [CallerArgumentExpression(nameof(transform))] string source = "")
    {
        _steps.Add((name, transform, Code(transform, source)));
        return this;
    }

    /// <summary>Add a numeric column computed per row (NaN = missing).</summary>
    public CustomSteps Derive(string column, Func<RowView, double> compute, [CallerArgumentExpression(nameof(compute))] string source = "")
    {
        _steps.Add(("derive " + column, table => AddColumn(table, column, compute), Code(compute, source)));
        return this;
    }

    /// <summary>
    /// The text a step is keyed by. A lambda's source is its code; a method group or a delegate variable
    /// (<c>Derive("x", MyStep)</c>, <c>Derive("x", step)</c>) shows only a name, so the method's IL is added:
    /// editing the method's body then re-runs featurize instead of reusing a stale output.
    /// </summary>
    private static string Code(Delegate step, string source)
    {
        var text = source.TrimStart();
        if (text.Contains("=>", StringComparison.Ordinal) || text.StartsWith("delegate", StringComparison.Ordinal))
            return source;
        var method = step.Method;
        var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        return $"{source}\n{method.DeclaringType?.FullName}.{method.Name}\n{Convert.ToHexString(il)}";
    }

    /// <summary>Hash of every step's name and code; empty when there are none.</summary>
    public string CodeHash => IsEmpty ? "" : ContentHash.Combine(_steps.SelectMany(s => new[] { s.Name, s.Source }).ToArray()).Hex;

    internal Table Apply(Table table)
    {
        foreach (var (name, apply, _) in _steps)
        {
            try
            {
                table = apply(table);
            }
            catch (Exception e) when (e is not MlOpsException)
            {
                throw new MlOpsException($"The custom featurize step '{name}' threw {e.GetType().Name}: {e.Message} Fix the step's code.", e);
            }
        }
        return table;
    }

    private static Table AddColumn(Table table, string column, Func<RowView, double> compute)
    {
        var values = new double[table.RowCount];
        var row = new RowView(table);
        for (var i = 0; i < values.Length; i++)
        {
            row.Index = i;
            values[i] = compute(row);
        }
        var columns = table.Columns.Where(c => c.Name != column).Append(new TableColumn(column, values)).ToList();
        return new Table(table.Name, columns, table.Report);
    }
}

/// <summary>One row of a table, as seen by a custom step.</summary>
public sealed class RowView
{
    private readonly Table _table;

    internal RowView(Table table) => _table = table;

    public int Index { get; internal set; }

    public string? Text(string column) => _table[column].GetText(Index);

    /// <summary>The cell as a number (messy forms like "20,152" or "25%" accepted); NaN when missing or not a number.</summary>
    public double Number(string column)
    {
        var col = _table[column];
        if (col.Numbers is { } numbers)
            return numbers[Index];
        return MessyNumber.TryParse(col.Text![Index], out var value) ? value : double.NaN;
    }
}
