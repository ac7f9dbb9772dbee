using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tests.Registry;

namespace MlOps.Tests.Serving;

public sealed class ModelScorerTests(RankingsRuns runs) : IClassFixture<RankingsRuns>
{
    private ModelVersion Registered()
    {
        var registry = ModelRegistry.Over(runs.Store, new RegistryEventHub());
        var name = "scorer-" + Guid.NewGuid().ToString("N")[..8];
        return registry.Register(runs.Strong.Id, name);
    }

    /// <summary>The held-out rows and their binary label (params.yaml: world_rank &lt; 50).</summary>
    private static (ScoringInput Input, bool[] Labels) HeldOut()
    {
        var (input, table, rows) = HeldOutRows.Load();
        return (input, rows.Select(r => HeldOutRows.Number(table, "world_rank", r) < 50).ToArray());
    }

    [Fact]
    public void Scoring_raw_held_out_rows_reproduces_the_runs_validation_accuracy()
    {
        using var scorer = ModelScorer.Load(Registered(), runs.Store.Artifacts);
        var (input, labels) = HeldOut();
        var predictions = scorer.Score(input);
        Assert.Equal(labels.Length, predictions.Count);
        Assert.All(predictions, p => Assert.InRange(p.Probability!.Value, 0, 1));
        var accuracy = predictions.Zip(labels).Count(x => (bool)x.First.Label == x.Second) / (double)labels.Length;
        Assert.Equal(runs.Strong.Metrics["accuracy"], accuracy, 9);
    }

    [Fact]
    public void Signature_comes_from_the_version_and_numbers_may_arrive_as_numbers_or_text_and_missing_cells_are_filled()
    {
        using var scorer = ModelScorer.Load(Registered(), runs.Store.Artifacts);
        Assert.Contains(scorer.Signature, c => c is { Name: "country", Type: "category" });
        Assert.Contains(scorer.Signature, c => c is { Name: "publications", Type: "number" });
        var columns = scorer.Signature.Select(c => c.Name).ToList();
        object? Cell(string name, bool asText) => name == "country" ? "USA" : asText ? "12" : 12.0;
        var text = scorer.Score(new ScoringInput(columns, [columns.Select(c => Cell(c, true)).ToArray()])).Single();
        var typed = scorer.Score(new ScoringInput(columns, [columns.Select(c => Cell(c, false)).ToArray()])).Single();
        Assert.Equal(text, typed);
        var missing = scorer.Score(new ScoringInput(columns, [columns.Select(_ => (object?)null).ToArray()])).Single();
        Assert.IsType<bool>(missing.Label);
        Assert.Empty(scorer.Score(new ScoringInput(columns, [])));
    }

    [Fact]
    public void Input_that_does_not_fit_the_signature_is_refused_naming_the_column()
    {
        using var scorer = ModelScorer.Load(Registered(), runs.Store.Artifacts);
        var columns = scorer.Signature.Select(c => c.Name).ToList();
        object?[] Row(string? replace = null, object? with = null) =>
            columns.Select(c => c == replace ? with : c == "country" ? "USA" : (object?)1.0).ToArray();

        var missing = Assert.Throws<ScoringInputException>(() => scorer.Score(new ScoringInput(columns.Where(c => c != "citations").ToList(),
            [Row().Where((_, i) => columns[i] != "citations").ToArray()])));
        Assert.Equal("citations", missing.Column);
        Assert.Contains("Missing column 'citations'", missing.Message);

        var notNumber = Assert.Throws<ScoringInputException>(() => scorer.Score(new ScoringInput(columns, [Row(), Row("publications", "lots")])));
        Assert.Equal("publications", notNumber.Column);
        Assert.Contains("row 1 has 'lots'", notNumber.Message);

        var notText = Assert.Throws<ScoringInputException>(() => scorer.Score(new ScoringInput(columns, [Row("country", 3.0)])));
        Assert.Equal("country", notText.Column);
        Assert.Contains("needs text", notText.Message);

        Assert.Throws<ScoringInputException>(() => scorer.Score(new ScoringInput(columns, [Row("publications", true)])));
        Assert.Contains("has 2 values", Assert.Throws<ScoringInputException>(() => scorer.Score(new ScoringInput(columns, [[1.0, 2.0]]))).Message);
    }

    [Fact]
    public void Extra_columns_are_ignored_by_default_and_refused_when_the_option_says_so()
    {
        var version = Registered();
        var columns = version.Signature.Select(c => c.Name).Append("motto").ToList();
        object?[] row = [.. version.Signature.Select(c => c.Type == "category" ? "USA" : (object?)5.0), "veritas"];
        using (var lenient = ModelScorer.Load(version, runs.Store.Artifacts))
            Assert.Single(lenient.Score(new ScoringInput(columns, [row])));
        using var strict = ModelScorer.Load(version, runs.Store.Artifacts, new ScorerOptions { AllowExtraColumns = false });
        var e = Assert.Throws<ScoringInputException>(() => strict.Score(new ScoringInput(columns, [row])));
        Assert.Equal("motto", e.Column);
    }

    [Fact]
    public void Concurrent_callers_share_a_bounded_pool_and_get_the_same_predictions_as_one_caller()
    {
        using var scorer = ModelScorer.Load(Registered(), runs.Store.Artifacts, new ScorerOptions { MaxEngines = 2 });
        var (input, _) = HeldOut();
        var expected = scorer.Score(input);
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ => Assert.Equal(expected, scorer.Score(input)));
    }

    [Fact]
    public void A_tampered_artifact_is_refused_when_loading()
    {
        var version = Registered();
        var forged = version with { Artifact = version.Artifact with { Sha256 = new string('0', 64) } };
        Assert.Throws<MlOpsException>(() => ModelScorer.Load(forged, runs.Store.Artifacts));
    }
}
