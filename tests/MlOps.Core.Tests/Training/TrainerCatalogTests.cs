using MlOps.Training;

namespace MlOps.Core.Tests.Training;

public class TrainerCatalogTests
{
    [Fact]
    public void Names_per_task_are_the_documented_ones()
    {
        Assert.Equal(["FastForest", "FastTree", "LightGbm", "SdcaLogisticRegression", "LbfgsLogisticRegression"], TrainerCatalog.Names(MlTask.Binary));
        Assert.Equal(["LightGbm", "SdcaMaximumEntropy", "LbfgsMaximumEntropy", "OneVersusAll"], TrainerCatalog.Names(MlTask.Multiclass));
        Assert.Equal(["FastTree", "FastForest", "LightGbm", "Sdca"], TrainerCatalog.Names(MlTask.Regression));
    }

    [Theory]
    [InlineData(MlTask.Binary)]
    [InlineData(MlTask.Multiclass)]
    [InlineData(MlTask.Regression)]
    public void Auto_candidates_are_several_valid_names(MlTask task)
    {
        var auto = TrainerCatalog.AutoCandidates(task);
        Assert.True(auto.Count >= 3);
        Assert.All(auto, name => Assert.Equal(name, TrainerCatalog.Find(task, name).Name));
    }

    [Fact]
    public void Find_is_case_insensitive()
    {
        var d = TrainerCatalog.Find(MlTask.Binary, "fastforest");
        Assert.Equal("FastForest", d.Name);
        Assert.Equal(MlTask.Binary, d.Task);
        Assert.Equal("LightGbm", TrainerCatalog.Find(MlTask.Multiclass, " LIGHTGBM ").Name);
    }

    [Fact]
    public void Unknown_trainer_lists_the_valid_names()
    {
        var e = Assert.Throws<MlOpsException>(() => TrainerCatalog.Find(MlTask.Regression, "RandomForest"));
        Assert.Contains("'RandomForest'", e.Message);
        Assert.Contains("FastTree, FastForest, LightGbm, Sdca", e.Message);
    }

    [Fact]
    public void Trainer_of_another_task_says_so()
    {
        var e = Assert.Throws<MlOpsException>(() => TrainerCatalog.Find(MlTask.Multiclass, "FastForest"));
        Assert.Contains("FastForest is a binary and regression trainer, not multiclass", e.Message);
        Assert.Contains("LightGbm, SdcaMaximumEntropy, LbfgsMaximumEntropy, OneVersusAll", e.Message);
    }

    [Fact]
    public void Typo_in_trainer_name_gets_a_suggestion()
    {
        var e = Assert.Throws<MlOpsException>(() => TrainerCatalog.Find(MlTask.Binary, "FastTre"));
        Assert.Contains("Did you mean FastTree?", e.Message);
    }

    [Fact]
    public void Primary_metrics_and_their_direction()
    {
        Assert.Equal("auc", TrainerCatalog.PrimaryMetric(MlTask.Binary));
        Assert.Equal("macro_accuracy", TrainerCatalog.PrimaryMetric(MlTask.Multiclass));
        Assert.Equal("rmse", TrainerCatalog.PrimaryMetric(MlTask.Regression));
        foreach (var m in new[] { "accuracy", "precision", "recall", "f1", "auc", "pr_auc", "micro_accuracy", "macro_accuracy", "r2" })
            Assert.True(TrainerCatalog.HigherIsBetter(m), m);
        foreach (var m in new[] { "log_loss", "rmse", "mae", "mse", "val_loss" })
            Assert.False(TrainerCatalog.HigherIsBetter(m), m);
    }
}
