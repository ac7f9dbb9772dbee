using System.Globalization;
using MlOps.Core.Tests.Data;
using MlOps.Data;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tests.Registry;
using MlOps.Tracking;

namespace MlOps.Tests.Serving;

public sealed class BatchScorerTests(RankingsRuns runs) : IClassFixture<RankingsRuns>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private ModelScorer Scorer()
    {
        var registry = ModelRegistry.Over(runs.Store, new RegistryEventHub());
        return ModelScorer.Load(registry.Register(runs.Strong.Id, "batch-" + Guid.NewGuid().ToString("N")[..8]), runs.Store.Artifacts);
    }

    private string Output => Path.Combine(_dir.Path, "scores.csv");

    private static List<string[]> Csv(string path) => File.ReadAllLines(path).Select(SplitCsv).ToList();

    // Enough CSV for these files: quoted cells may hold commas and doubled quotes.
    private static string[] SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
            else if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells.ToArray();
    }

    [Fact]
    public void Batch_predictions_equal_the_scorers_on_the_same_rows_with_the_key_columns_and_metrics()
    {
        using var scorer = Scorer();
        var input = RepoPaths.Rankings("cwurData.csv");
        var progress = new List<long>();
        var result = BatchScorer.Score(scorer, new BatchScoringOptions { Input = input, Output = Output, ChunkRows = 500, Progress = progress.Add });

        var table = TableLoader.LoadCsv(input);
        var expected = scorer.Score(new ScoringInput(table.ColumnNames.ToList(),
            Enumerable.Range(0, table.RowCount).Select(r => table.Columns.Select(c => (object?)c.GetText(r)).ToArray()).ToList()));
        Assert.Equal((table.RowCount, table.RowCount, 0L), (result.Rows, result.Scored, result.Rejected));
        Assert.Equal([500, 1000, 1500, 2000, 2200], progress);
        var rows = Csv(Output);
        var header = rows[0];
        // Default keys: the input columns that are not model inputs, in file order.
        var inputs = scorer.Signature.Select(s => s.Name).ToHashSet();
        Assert.Equal(table.ColumnNames.Where(c => !inputs.Contains(c)).Concat(["predicted_label", "predicted_probability", "predicted_score"]), header);
        Assert.Equal(table.RowCount, rows.Count - 1);
        for (var r = 0; r < table.RowCount; r++)
        {
            var row = rows[r + 1];
            if (table["institution"].GetText(r) is { } name && !name.Contains('"')) // key cells are copied as written, broken quotes too
                Assert.Equal(name, row[Array.IndexOf(header, "institution")]);
            Assert.Equal((bool)expected[r].Label ? "true" : "false", row[^3]);
            Assert.Equal((float)expected[r].Probability!.Value, float.Parse(row[^2], CultureInfo.InvariantCulture));
            Assert.Equal((float)expected[r].Score!.Value, float.Parse(row[^1], CultureInfo.InvariantCulture));
        }
        // The file has world_rank, so the label (world_rank < 50) is derived as in training and the rows evaluated.
        var accuracy = expected.Select((p, r) => (bool)p.Label == double.Parse(table["world_rank"].GetText(r)!, CultureInfo.InvariantCulture) < 50).Count(x => x) / (double)table.RowCount;
        Assert.Equal(accuracy, result.Metrics["accuracy"], 9);
        Assert.Contains("auc", result.Metrics.Keys);
        Assert.Equal(["line", "reason"], File.ReadLines(result.Rejects).Single().Split(',')[^2..]);
    }

    [Fact]
    public void Bad_rows_go_to_the_rejects_file_with_line_and_reason_and_the_rest_are_scored()
    {
        using var scorer = Scorer();
        var lines = File.ReadLines(RepoPaths.Rankings("cwurData.csv")).Take(11).ToList();
        var header = lines[0].Split(',');
        var publications = Array.IndexOf(header, "publications");
        var cells = lines[3].Split(',');
        cells[publications] = "lots"; // line 4 (Stanford) has no comma inside its quoted name, so the split is safe
        lines[3] = string.Join(",", cells);
        lines[6] = string.Join(",", lines[6].Split(',').Take(5)); // too few cells
        lines.Insert(8, ""); // a blank line is skipped, not rejected
        var input = _dir.Write("messy.csv", string.Join("\n", lines) + "\n");
        var rejectsPath = Path.Combine(_dir.Path, "bad.csv");

        var result = BatchScorer.Score(scorer, new BatchScoringOptions { Input = input, Output = Output, Rejects = rejectsPath, Keys = ["institution", "year"] });

        Assert.Equal((10L, 8L, 2L), (result.Rows, result.Scored, result.Rejected));
        var rejects = Csv(rejectsPath);
        Assert.Equal([.. header, "line", "reason"], rejects[0]);
        Assert.Equal("4", rejects[1][^2]);
        Assert.Equal("Column 'publications' is a number, but line 4 has 'lots', which does not parse as one.", rejects[1][^1]);
        Assert.Equal("lots", rejects[1][publications]);
        Assert.Equal("7", rejects[2][^2]);
        Assert.Contains("Line 7 has 5 values but there are 14 columns", rejects[2][^1]);
        var scored = Csv(Output);
        Assert.Equal(["institution", "year", "predicted_label", "predicted_probability", "predicted_score"], scored[0]);
        Assert.Equal(9, scored.Count);
        Assert.DoesNotContain(scored, r => r[0] == SplitCsv(lines[3])[1]);
    }

    [Fact]
    public void A_header_without_a_signature_column_fails_naming_it_and_leaves_no_output()
    {
        using var scorer = Scorer();
        var lines = File.ReadLines(RepoPaths.Rankings("cwurData.csv")).Take(5)
            .Select(l => string.Join(",", l.Split(',').Where((_, i) => i != 9))).ToList(); // column 9: citations
        var input = _dir.Write("no-citations.csv", string.Join("\n", lines));
        var e = Assert.Throws<MlOpsException>(() => BatchScorer.Score(scorer, new BatchScoringOptions { Input = input, Output = Output }));
        Assert.Contains("Missing column 'citations' (number)", e.Message);
        Assert.Contains("no-citations.csv", e.Message);
        Assert.Equal(["no-citations.csv"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Scoring_is_recorded_as_a_run_with_its_metrics_and_a_failure_as_a_failed_run()
    {
        using var scorer = Scorer();
        var logged = new List<(string Source, int Rows)>();
        var sink = new CollectingSink(logged);
        var result = BatchScorer.ScoreTracked(runs.Store, scorer, new BatchScoringOptions { Input = RepoPaths.Rankings("cwurData.csv"), Output = Output, Sink = sink });
        var run = runs.Store.FindRun(result.RunId!)!;
        Assert.Equal((RunStatus.Finished, scorer.Version.Model + ".scoring"), (run.Status, run.Experiment));
        Assert.Equal(2200, run.Metrics["rows"]);
        Assert.Equal(0, run.Metrics["rejected"]);
        Assert.True(run.Metrics["rows_per_second"] > 0);
        Assert.Equal(result.Metrics["accuracy"], run.Metrics["accuracy"]);
        Assert.Equal(scorer.Version.Version.ToString(CultureInfo.InvariantCulture), run.Params["version"]);
        Assert.Equal(Hashing.ContentHash.OfFile(RepoPaths.Rankings("cwurData.csv")).Hex, run.Params["input.sha256"]);
        Assert.Contains(runs.Store.ListExperiments(), x => x.Name == run.Experiment);
        Assert.Equal(2200, logged.Where(l => l.Source == "batch").Sum(l => l.Rows));

        var missing = _dir.Write("missing.csv", "a,b\n1,2\n");
        Assert.Throws<MlOpsException>(() => BatchScorer.ScoreTracked(runs.Store, scorer, new BatchScoringOptions { Input = missing, Output = Output }));
        var failed = runs.Store.QueryRuns(new RunQuery { Experiment = run.Experiment, Status = RunStatus.Failed }).Single();
        Assert.Contains("Missing column", failed.Error);
        Assert.NotNull(failed.EndedAt);
    }

    private sealed class CollectingSink(List<(string, int)> logged) : IPredictionSink
    {
        public void Log(ModelVersion version, ScoringInput input, IReadOnlyList<Prediction> predictions, string source)
        {
            lock (logged) logged.Add((source, predictions.Count));
        }
    }

    [Fact]
    public void A_large_in_memory_input_is_scored_in_pieces_in_row_order_and_its_first_bad_row_is_the_one_reported()
    {
        using var scorer = Scorer();
        var table = TableLoader.LoadCsv(RepoPaths.Rankings("cwurData.csv"));
        var columns = table.ColumnNames.ToList();
        var rows = Enumerable.Range(0, 20_000).Select(r => table.Columns.Select(c => (object?)c.GetText(r % table.RowCount)).ToArray()).ToList();
        var all = scorer.Score(new ScoringInput(columns, rows));
        var once = scorer.Score(new ScoringInput(columns, rows.Take(table.RowCount).ToList()));
        Assert.Equal(Enumerable.Range(0, 20_000).Select(r => once[r % table.RowCount]), all);

        var publications = columns.IndexOf("publications");
        rows[15_000][publications] = "many";
        rows[5_000][publications] = "lots";
        var e = Assert.Throws<ScoringInputException>(() => scorer.Score(new ScoringInput(columns, rows)));
        Assert.Contains("row 5000 has 'lots'", e.Message);
    }
}

/// <summary>Batch scoring's memory bound, measured on the process's heap: alone, so no other test's allocations count.</summary>
[Collection(MlOps.Tests.Storage.MeasuresMemory.Name)]
public sealed class BatchScorerMemoryTests(RankingsRuns runs) : IClassFixture<RankingsRuns>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_300000_row_file_streams_with_memory_bounded_by_the_chunk_not_the_file()
    {
        using var scorer = ModelScorer.Load(ModelRegistry.Over(runs.Store, new RegistryEventHub()).Register(runs.Strong.Id, "batch-" + Guid.NewGuid().ToString("N")[..8]), runs.Store.Artifacts);
        // Without the label columns: no per-row evaluation state, so only chunks should live on the heap.
        var source = File.ReadLines(RepoPaths.Rankings("cwurData.csv")).Select(l => l[(l.IndexOf(',') + 1)..]).ToList();
        long Peak(int rows)
        {
            var path = Path.Combine(_dir.Path, $"big-{rows}.csv");
            using (var writer = new StreamWriter(path))
            {
                writer.WriteLine(source[0]);
                for (var i = 0; i < rows; i++)
                    writer.WriteLine(source[1 + i % (source.Count - 1)]);
            }
            GC.Collect();
            var before = GC.GetTotalMemory(true);
            long peak = 0;
            var result = BatchScorer.Score(scorer, new BatchScoringOptions
            {
                Input = path, Output = Path.Combine(_dir.Path, $"big-{rows}.scores.csv"),
                Progress = _ => peak = Math.Max(peak, GC.GetTotalMemory(false) - before),
            });
            Assert.Equal(rows, result.Scored);
            File.Delete(path);
            return peak;
        }
        var small = Peak(30_000);
        var large = Peak(300_000);
        // The file's text alone is ~25 MB and would be several times that as strings; chunks of 8,192 rows are a few MB.
        Assert.True(large < small * 2 + (48 << 20), $"peak heap growth {large >> 20} MB for 300k rows vs {small >> 20} MB for 30k");
    }
}
