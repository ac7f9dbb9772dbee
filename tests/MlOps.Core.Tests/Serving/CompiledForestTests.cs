using MlOps.Core.Tests.Data;
using MlOps.Data;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tests.Registry;

namespace MlOps.Tests.Serving;

/// <summary>The compiled tree ensemble must answer exactly as ML.NET's PredictionEngines do, or not be used.</summary>
public sealed class CompiledForestTests(RankingsRuns runs) : IClassFixture<RankingsRuns>
{
    [Theory]
    [InlineData(true)] // lookup tables
    [InlineData(false)] // tree walks
    public void A_FastForest_with_Platt_calibration_compiles_and_agrees_with_the_engines_on_every_row(bool tables)
    {
        var version = ModelRegistry.Over(runs.Store, new RegistryEventHub()).Register(runs.Strong.Id, "forest-" + Guid.NewGuid().ToString("N")[..8]);
        using var compiled = ModelScorer.Load(version, runs.Store.Artifacts, new ScorerOptions { TreeTables = tables });
        using var engines = ModelScorer.Load(version, runs.Store.Artifacts, new ScorerOptions { CompileTrees = false });
        Assert.True(compiled.IsCompiled);
        Assert.False(engines.IsCompiled);

        var table = TableLoader.LoadCsv(RepoPaths.Rankings("cwurData.csv"));
        // Every row, and again with the rows repeated past the size where scoring splits across cores.
        var rows = Enumerable.Range(0, 5 * table.RowCount).Select(r => table.Columns.Select(c => (object?)c.GetText(r % table.RowCount)).ToArray()).ToList();
        var input = new ScoringInput(table.ColumnNames.ToList(), rows);
        var fast = compiled.Score(input);
        var slow = engines.Score(input);
        for (var r = 0; r < rows.Count; r++)
        {
            Assert.Equal(slow[r].Label, fast[r].Label);
            Assert.Equal(slow[r].Score!.Value, fast[r].Score!.Value, 1e-6); // float rounding of the last bit
            Assert.Equal(slow[r].Probability!.Value, fast[r].Probability!.Value, 1e-6);
        }
        // A row with every cell missing is filled by featurize, so it never reaches the trees as NaN.
        var empty = new ScoringInput(compiled.Signature.Select(s => s.Name).ToList(), [compiled.Signature.Select(_ => (object?)null).ToArray()]);
        Assert.Equal(engines.Score(empty).Single().Label, compiled.Score(empty).Single().Label);
    }

    [Fact]
    public void Lookup_tables_give_exactly_the_walks_sums_in_requests_of_every_size()
    {
        var version = ModelRegistry.Over(runs.Store, new RegistryEventHub()).Register(runs.Strong.Id, "forest-" + Guid.NewGuid().ToString("N")[..8]);
        using var tables = ModelScorer.Load(version, runs.Store.Artifacts, new ScorerOptions { TreeTables = true });
        using var walks = ModelScorer.Load(version, runs.Store.Artifacts, new ScorerOptions { TreeTables = false });
        var table = TableLoader.LoadCsv(RepoPaths.Rankings("cwurData.csv"));
        var names = table.ColumnNames.ToList();
        // Requests of 1 to 9 rows: every size must add alike.
        for (int size = 1, start = 0; size <= 9; start += size, size++)
        {
            var rows = Enumerable.Range(start, size).Select(r => table.Columns.Select(c => (object?)c.GetText(r)).ToArray()).ToList();
            var viaTables = tables.Score(new ScoringInput(names, rows));
            var viaWalks = walks.Score(new ScoringInput(names, rows));
            Assert.Equal(viaWalks.Select(p => p.Score), viaTables.Select(p => p.Score));
            Assert.Equal(viaWalks.Select(p => p.Probability), viaTables.Select(p => p.Probability));
        }
    }
}
