using MlOps.Data;
using MlOps.Monitoring;

namespace MlOps.Tests.Monitoring;

/// <summary>Counting a window piece by piece: the checks of the whole window, in bounded memory.</summary>
public sealed class WindowCountsTests
{
    private static readonly ReferenceProfile Profile = new()
    {
        Model = "m", Version = 1, DataColumns = ["x", "c"],
        Numeric = [NumericProfile.From("x", Enumerable.Range(0, 20_000).Select(i => Math.Sin(i) * 10).ToArray(), 0)],
        Categorical = [CategoryProfile.From("c", (new Dictionary<string, long> { ["a"] = 600, ["b"] = 400 }, 0))],
    };

    /// <summary>5,000 rows: x shifted, c with 1,500 rows (30%) in 450 categories never seen in training, some cells missing.</summary>
    private static Table Window()
    {
        const int rows = 5_000;
        return new Table("w",
        [
            new TableColumn("x", Enumerable.Range(0, rows).Select(i => i % 97 == 0 ? double.NaN : Math.Cos(i) * 10 + 2).ToArray()),
            new TableColumn("c", Enumerable.Range(0, rows).Select(i => i % 10 < 3 ? $"new-{i % 1_500}" : i % 31 == 0 ? null : i % 2 == 0 ? "a" : "b").ToArray()),
        ]);
    }

    private static IEnumerable<Table> Pieces(Table table, int size)
    {
        for (var start = 0; start < table.RowCount; start += size)
        {
            var rows = Enumerable.Range(start, Math.Min(size, table.RowCount - start)).ToArray();
            yield return WindowColumns.Rows(table, rows);
        }
    }

    [Fact]
    public void Pieces_give_the_checks_of_the_whole_window()
    {
        var window = Window();
        var counts = new WindowCounts(Profile, window.ColumnNames);
        foreach (var piece in Pieces(window, 333))
            counts.Add(piece);

        Assert.Equal(5_000, counts.Rows);
        Assert.Equal(MonitoringJson.Write(DataChecks.Run(Profile, window)), MonitoringJson.Write(counts.Results(MonitorPolicy.Default)));
    }

    [Fact]
    public void Unseen_categories_beyond_the_cap_are_counted_not_named()
    {
        var window = Window();
        var capped = new WindowCounts(Profile, window.ColumnNames, maxUnseenCategories: 100);
        foreach (var piece in Pieces(window, 1_000))
            capped.Add(piece);

        var whole = DataChecks.Run(Profile, window);
        var results = capped.Results(MonitorPolicy.Default);
        CheckResult Find(IReadOnlyList<CheckResult> checks, string name) => checks.Single(c => c.Name == name && c.Feature == "c");
        // PSI, chi-squared and the new-category share only need the rows of all unseen categories together: exact.
        foreach (var name in new[] { CheckNames.Psi, CheckNames.ChiSquared, CheckNames.NewCategory, CheckNames.NullRate })
            Assert.Equal(Find(whole, name).Value, Find(results, name).Value);
        Assert.StartsWith("450 categories unseen", Find(whole, CheckNames.NewCategory).Detail);
        Assert.StartsWith("more than 100 categories unseen", Find(results, CheckNames.NewCategory).Detail);
        Assert.Contains("in 1500 of ", Find(results, CheckNames.NewCategory).Detail);
    }
}
