using MlOps.Registry;
using MlOps.Serving;
using MlOps.Training;

namespace MlOps.Tests.Serving;

/// <summary>The scorer on raw held-out rows reproduces each task's recorded validation metric, as the binary test does.</summary>
public sealed class TaskScorerTests(TaskRuns runs) : IClassFixture<TaskRuns>
{
    private ModelScorer Load(MlOps.Tracking.Run run)
    {
        var registry = ModelRegistry.Over(runs.Store, new RegistryEventHub());
        return ModelScorer.Load(registry.Register(run.Id, "task-" + Guid.NewGuid().ToString("N")[..8]), runs.Store.Artifacts);
    }

    [Fact]
    public void Multiclass_predictions_on_raw_rows_reproduce_the_runs_micro_accuracy()
    {
        using var scorer = Load(runs.Multiclass);
        Assert.Equal(MlTask.Multiclass, scorer.Task);
        var (input, table, rows) = HeldOutRows.Load();
        var labels = rows.Select(r => HeldOutRows.Number(table, "world_rank", r) switch { <= 33 => "top", <= 66 => "middle", _ => "rest" }).ToArray();
        var predictions = scorer.Score(input);
        Assert.All(predictions, p =>
        {
            Assert.IsType<string>(p.Label);
            Assert.Equal(["middle", "rest", "top"], p.Scores!.Keys.Order());
        });
        var accuracy = predictions.Zip(labels).Count(x => (string)x.First.Label == x.Second) / (double)labels.Length;
        Assert.Equal(runs.Multiclass.Metrics["micro_accuracy"], accuracy, 9);
    }

    [Fact]
    public void Regression_predictions_on_raw_rows_reproduce_the_runs_rmse()
    {
        using var scorer = Load(runs.Regression);
        Assert.Equal(MlTask.Regression, scorer.Task);
        var (input, table, rows) = HeldOutRows.Load();
        var predictions = scorer.Score(input);
        // Training evaluates in float (ML.NET's Single label and score); compare the same way.
        var squared = predictions.Zip(rows).Sum(x =>
        {
            var error = (double)(float)HeldOutRows.Number(table, "score", x.Second) - (double)(float)x.First.Score!.Value;
            return error * error;
        });
        Assert.All(predictions, p => Assert.Equal(p.Score!.Value, Convert.ToDouble(p.Label)));
        Assert.Equal(runs.Regression.Metrics["rmse"], Math.Sqrt(squared / rows.Length), 6);
    }
}
