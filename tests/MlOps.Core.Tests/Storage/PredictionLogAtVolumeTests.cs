using System.Diagnostics;
using System.Globalization;
using MlOps.Data;
using MlOps.Monitoring;
using MlOps.Serving;
using MlOps.Storage.Postgres;
using MlOps.Tests.Monitoring;
using Xunit.Abstractions;

namespace MlOps.Tests.Storage;

/// <summary>Alone, so the process's heap is this test's own while it measures it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuresMemory
{
    public const string Name = "measures memory";
}

/// <summary>
/// The volume case at CI size: 1,000,000 served predictions over 7 days written to PostgreSQL with COPY in
/// batches, then the 7-day window monitored. Checked in pieces, the window must take a small fraction of the memory
/// the whole-window path takes, and give the same report.
/// </summary>
[Collection(MeasuresMemory.Name)]
public sealed class PredictionLogAtVolumeTests(RankingsModel rankings, ITestOutputHelper output) : IClassFixture<RankingsModel>, IDisposable
{
    private const int Rows = 1_000_000;
    private const string Model = "rankings";
    private static readonly DateTime T0 = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Inputs = ["alumni_employment", "publications", "citations", "quality_of_education", "country", "national_rank"];

    private readonly PostgresDatabase _database = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("mlops-volume-").FullName;

    public void Dispose()
    {
        _database.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void A_week_of_a_million_logged_predictions_is_monitored_in_bounded_memory_with_the_whole_window_results()
    {
        using var store = PostgresStore.Open(_database.Url + "?artifacts=" + Uri.EscapeDataString(Path.Combine(_directory, "artifacts")));
        var clock = Stopwatch.StartNew();
        var data = rankings.Data;
        var cells = Inputs.Select(c => data[c].Text!).ToArray();
        var step = TimeSpan.FromDays(7).Ticks / Rows;
        // The served rows of every year in turn; in the second half of the week publications arrive on another scale.
        LoggedPrediction Served(int i)
        {
            var r = i % data.RowCount;
            var inputs = new Dictionary<string, object?>(Inputs.Length, StringComparer.Ordinal);
            for (var c = 0; c < Inputs.Length; c++)
                inputs[Inputs[c]] = Inputs[c] == "country" ? cells[c][r]
                    : double.Parse(cells[c][r]!, CultureInfo.InvariantCulture) * (Inputs[c] == "publications" && i >= Rows / 2 ? 1.5 : 1);
            return new LoggedPrediction(Model, 1, T0.AddTicks(i * step), "serve", inputs, "False", 0.2, 0.2);
        }
        for (var start = 0; start < Rows; start += 50_000)
            store.AppendPredictions(Enumerable.Range(start, 50_000).Select(Served).ToList());
        // Rows outside the window: another source, and the day after.
        store.AppendPredictions(Enumerable.Range(0, 1_000).Select(i => Served(i) with { Source = "shadow" }).ToList());
        store.AppendPredictions(Enumerable.Range(0, 1_000).Select(i => Served(i) with { Timestamp = T0.AddDays(7).AddMinutes(i) }).ToList());
        output.WriteLine($"COPY of {Rows:N0} rows: {clock.Elapsed.TotalSeconds:F1} s");

        clock.Restart();
        var csv = LoggedWindow.Export(store, Model, _directory, T0, T0.AddDays(7));
        output.WriteLine($"export of the 7-day window: {clock.Elapsed.TotalSeconds:F1} s, {new FileInfo(csv).Length / 1e6:F0} MB of CSV");

        using var monitor = rankings.Monitor();
        // Live heap between pieces: one piece in hand, the counts, the model. It must not grow with the rows read.
        var live = new List<long>();
        IEnumerable<Table> Counted(IEnumerable<Table> pieces)
        {
            foreach (var piece in pieces)
            {
                live.Add(GC.GetTotalMemory(forceFullCollection: true));
                yield return piece;
            }
        }
        var streamed = Measure("in pieces", () => monitor.Check(Counted(TableLoader.LoadCsvChunks(csv, ModelMonitor.PieceRows)), "week"));
        long holding = 0;
        var whole = Measure("whole window", () =>
        {
            var window = TableLoader.Load(csv);
            holding = GC.GetTotalMemory(forceFullCollection: true);
            return monitor.Check(window, "week");
        });
        holding -= whole.Baseline;
        var held = live.Max() - streamed.Baseline;
        output.WriteLine($"live heap in pieces: at most +{held / 1e6:F0} MB over {live.Count} pieces (first {(live[0] - streamed.Baseline) / 1e6:F0} MB, last {(live[^1] - streamed.Baseline) / 1e6:F0} MB); the loaded window alone: +{holding / 1e6:F0} MB");

        Assert.Equal(Rows, streamed.Report.Rows);
        Assert.Contains((CheckNames.Psi, "publications"), streamed.Report.Failed.Select(c => (c.Name, c.Feature)));
        Assert.Equal(whole.Report.Rows, streamed.Report.Rows);
        Assert.Equal(whole.Report.Notes, streamed.Report.Notes);
        Assert.Equal(whole.Report.Checks.Select(c => (c.Name, c.Feature, c.Passed)), streamed.Report.Checks.Select(c => (c.Name, c.Feature, c.Passed)));
        foreach (var (w, s) in whole.Report.Checks.Zip(streamed.Report.Checks))
            Assert.True(w.Value.Equals(s.Value) || Math.Abs(w.Value - s.Value) <= 1e-9, $"{w.Name} [{w.Feature}]: {w.Value} whole vs {s.Value} in pieces");

        // What the check keeps alive is one piece, a small fraction of holding the window, and it does not grow.
        // (The first pieces also load the model and fill buffer pools: from the third on it is flat.)
        Assert.True(held < holding / 5, $"in pieces {held / 1e6:F0} MB stayed alive; holding the window takes {holding / 1e6:F0} MB");
        Assert.True(live.Skip(2).Max() - live[2] < 5e6, $"the live heap grew from {(live[2] - streamed.Baseline) / 1e6:F0} to {(live.Skip(2).Max() - streamed.Baseline) / 1e6:F0} MB over the pieces");
        // The heap as sampled (garbage not yet collected included) stays well under the whole-window path's too.
        Assert.True(streamed.Peak < whole.Peak / 2, $"sampled heap peak in pieces +{streamed.Peak / 1e6:F0} MB, whole window +{whole.Peak / 1e6:F0} MB");
    }

    /// <summary>Run a check from a collected heap; the largest heap sampled every millisecond (uncollected garbage included) over the heap before.</summary>
    private (MonitoringReport Report, long Baseline, long Peak) Measure(string what, Func<MonitoringReport> check)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var peak = baseline;
        using var stop = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            while (!stop.Wait(1))
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
        }) { IsBackground = true };
        sampler.Start();
        var clock = Stopwatch.StartNew();
        var report = check();
        stop.Set();
        sampler.Join();
        output.WriteLine($"{what}: {clock.Elapsed.TotalSeconds:F1} s, sampled heap peak +{(peak - baseline) / 1e6:F0} MB");
        return (report, baseline, peak - baseline);
    }
}
