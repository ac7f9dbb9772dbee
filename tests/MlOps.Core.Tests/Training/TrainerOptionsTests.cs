using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using MlOps.Training;

namespace MlOps.Core.Tests.Training;

public class TrainerOptionsTests
{
    private static Dictionary<string, string> Options(params (string Name, string Value)[] pairs)
        => pairs.ToDictionary(p => p.Name, p => p.Value);

    [Fact]
    public void Option_names_come_from_the_ml_net_options_class_in_camel_case()
    {
        var names = TrainerCatalog.Find(MlTask.Binary, "FastForest").OptionNames;
        Assert.Contains("numberOfTrees", names);
        Assert.Contains("numberOfLeaves", names);
        Assert.Contains("minimumExampleCountPerLeaf", names);
        Assert.DoesNotContain("labelColumnName", names);
        Assert.DoesNotContain("featureColumnName", names);
        Assert.DoesNotContain("exampleWeightColumnName", names);
        Assert.DoesNotContain("seed", names);
    }

    [Fact]
    public void LightGbm_exposes_its_booster_options_flat()
    {
        var names = TrainerCatalog.Find(MlTask.Regression, "LightGbm").OptionNames;
        Assert.Contains("learningRate", names);
        Assert.Contains("numberOfIterations", names);
        Assert.Contains("l2Regularization", names);
        Assert.Contains("featureFraction", names);
    }

    [Fact]
    public void Validate_normalizes_names_and_values()
    {
        var d = TrainerCatalog.Find(MlTask.Binary, "FastTree");
        var v = d.Validate(Options(("NumberOfTrees", " 50 "), ("learning_rate", "0.10"), ("optimizationAlgorithm", "conjugategradientdescent"),
            ("numberOfThreads", "auto"), ("enablePruning", "TRUE")));
        Assert.Equal("50", v["numberOfTrees"]);
        Assert.Equal("0.1", v["learningRate"]);
        Assert.Equal("ConjugateGradientDescent", v["optimizationAlgorithm"]);
        Assert.Equal("auto", v["numberOfThreads"]);
        Assert.Equal("true", v["enablePruning"]);
    }

    [Fact]
    public void Unknown_option_lists_valid_ones_and_suggests_the_closest()
    {
        var e = Assert.Throws<MlOpsException>(() => TrainerCatalog.Find(MlTask.Binary, "FastForest").Validate(Options(("numTrees", "10"))));
        Assert.StartsWith("Trainer FastForest has no option 'numTrees'. Valid options: ", e.Message);
        Assert.Contains("numberOfLeaves", e.Message);
        Assert.EndsWith("Did you mean numberOfTrees?", e.Message);
    }

    [Theory]
    [InlineData("numberOfTrees", "abc", "integer")]
    [InlineData("numberOfTrees", "1.5", "integer")]
    [InlineData("featureFraction", "lots", "number")]
    [InlineData("allowEmptyTrees", "maybe", "true/false")]
    [InlineData("numberOfThreads", "two", "integer (or auto)")]
    public void Ill_typed_value_names_option_value_and_expected_type(string option, string value, string expected)
    {
        var e = Assert.Throws<MlOpsException>(() => TrainerCatalog.Find(MlTask.Binary, "FastForest").Validate(Options((option, value))));
        Assert.Contains($"option {option}='{value}'", e.Message);
        Assert.Contains($"expected {expected}", e.Message);
    }

    [Fact]
    public void Enum_values_are_accepted_by_name_only()
    {
        var d = TrainerCatalog.Find(MlTask.Binary, "FastTree");
        var e = Assert.Throws<MlOpsException>(() => d.Validate(Options(("optimizationAlgorithm", "1"))));
        Assert.Contains("one of GradientDescent|AcceleratedGradientDescent|ConjugateGradientDescent", e.Message);
    }

    [Theory]
    [InlineData(MlTask.Binary, "FastForest", "numberOfTrees")]
    [InlineData(MlTask.Regression, "FastTree", "numberOfTrees")]
    [InlineData(MlTask.Multiclass, "LightGbm", "numberOfIterations")]
    [InlineData(MlTask.Multiclass, "OneVersusAll", "numberOfTrees")]
    public void N_est_is_an_alias_for_the_number_of_trees(MlTask task, string trainer, string canonical)
    {
        var v = TrainerCatalog.Find(task, trainer).Validate(Options(("n_est", "7")));
        Assert.Equal("7", Assert.Single(v, p => p.Key == canonical).Value);
    }

    [Fact]
    public void Alias_and_name_together_are_rejected()
    {
        var e = Assert.Throws<MlOpsException>(() =>
            TrainerCatalog.Find(MlTask.Binary, "FastForest").Validate(Options(("n_est", "7"), ("numberOfTrees", "8"))));
        Assert.Contains("given twice", e.Message);
    }

    [Fact]
    public void Seed_is_not_a_user_option()
    {
        var e = Assert.Throws<MlOpsException>(() => TrainerCatalog.Find(MlTask.Binary, "FastForest").Validate(Options(("seed", "1"))));
        Assert.Contains("run seed", e.Message);
    }

    [Fact]
    public void OneVersusAll_validates_against_the_chosen_binary_trainer()
    {
        var d = TrainerCatalog.Find(MlTask.Multiclass, "OneVersusAll");
        Assert.Contains("binaryTrainer", d.OptionNames);
        var v = d.Validate(Options(("binaryTrainer", "lbfgslogisticregression"), ("l2Regularization", "0.5"), ("useProbabilities", "false")));
        Assert.Equal("LbfgsLogisticRegression", v["binaryTrainer"]);
        Assert.Equal("0.5", v["l2Regularization"]);
        Assert.Equal("false", v["useProbabilities"]);

        var e = Assert.Throws<MlOpsException>(() => d.Validate(Options(("binaryTrainer", "Sdca"))));
        Assert.Contains("SdcaLogisticRegression", e.Message);
        Assert.Throws<MlOpsException>(() => d.Validate(Options(("numberOfTrees", "5"), ("binaryTrainer", "LbfgsLogisticRegression"))));
    }

    [Fact]
    public void Options_and_seed_reach_the_ml_net_trainer()
    {
        var ml = new MLContext(1);
        var (train, _) = SyntheticData.Split(ml, MlTask.Binary);
        var estimator = TrainerCatalog.Find(MlTask.Binary, "FastForest").CreateEstimator(ml, Options(("n_est", "5"), ("numberOfLeaves", "4")), seed: 42);
        // FastForest is followed by a Platt calibrator: find the forest inside the chain.
        var chain = Assert.IsAssignableFrom<IEnumerable<ITransformer>>(estimator.Fit(train));
        var model = chain.OfType<Microsoft.ML.Data.BinaryPredictionTransformer<FastForestBinaryModelParameters>>().Single();
        Assert.Equal(5, model.Model.TrainedTreeEnsemble.Trees.Count);
        Assert.All(model.Model.TrainedTreeEnsemble.Trees, t => Assert.True(t.NumberOfLeaves <= 4));
    }
}
