using MlOps.Data;
using MlOps.Pipeline;
using MlOps.Training;

namespace MlOps.Core.Tests.Pipeline;

public sealed class FeaturizerTests
{
    private static Table Table(params (string Name, string?[] Values)[] columns) =>
        new("t", columns.Select(c => new TableColumn(c.Name, c.Values)).ToList());

    private static readonly Table Rankings = Table(
        ("world_rank", ["1", "=2", "3", "4", "201-250", "6"]),
        ("country", ["USA", "UK", "USA", "France", "UK", "USA"]),
        ("students", ["20,152", "2,243", "-", "11,074", "900", "1,000"]),
        ("ratio", ["33 : 67", "50 : 50", "40 : 60", "", "45 : 55", "30 : 70"]),
        ("year", ["2011", "2011", "2011", "2012", "2012", "2012"]));

    [Fact]
    public void Filters_labels_encodes_and_fills_missing_values_with_the_median()
    {
        var spec = new FeaturizeSpec
        {
            Label = "world_rank < 4", Filter = "world_rank <= 100", Features = ["students", "country"], Categorical = ["country"], SplitBy = "year",
        };

        var result = Featurizer.Fit(Rankings, spec);

        Assert.Equal(MlTask.Binary, result.Task);
        Assert.Equal(5, result.Features.Rows); // "201-250" (225.5) filtered out
        Assert.Equal([true, true, true, false, false], result.Features.BoolLabels!);
        Assert.Equal(["students", "country"], result.Features.FeatureNames);
        var students = Enumerable.Range(0, 5).Select(r => result.Features.Values[r * 2]).ToArray();
        Assert.Equal(20152f, students[0]);
        Assert.Equal(6658.5f, students[2]); // "-" is missing: the median of 1000, 2243, 11074, 20152
        var countries = Enumerable.Range(0, 5).Select(r => result.Features.Values[r * 2 + 1]).ToArray();
        Assert.Equal([2f, 1f, 2f, 0f, 2f], countries); // sorted codes: France 0, UK 1, USA 2
        Assert.Equal(new string?[] { "2011", "2011", "2011", "2012", "2012" }, result.Features.SplitValues!);
        Assert.Contains(result.Notes, n => n.Contains("messy numbers"));
    }

    [Fact]
    public void The_fitted_featurizer_reproduces_the_training_matrix_and_knows_its_signature()
    {
        var spec = new FeaturizeSpec
        {
            Label = "world_rank < 4", Features = ["students", "country", "male"], Categorical = ["country"],
            Derive = [KeyValuePair.Create("male", "1 - ratio")],
        };
        var result = Featurizer.Fit(Rankings, spec);

        var json = result.Fitted.ToJson();
        var again = FittedFeaturizer.FromJson(json);
        var reader = new ColumnReader(Rankings);
        again.AddDerivedColumns(reader);
        var matrix = again.Transform(reader, Enumerable.Range(0, Rankings.RowCount).ToList());

        Assert.Equal(result.Features.Values, matrix);
        Assert.Equal(0.67f, matrix[2], 3); // 1 - 33/(33+67)
        Assert.Equal(["ratio", "students", "country"], again.Signature.Select(c => c.Name));
        Assert.Equal("category", again.Signature.Single(c => c.Name == "country").Type);
    }

    [Fact]
    public void One_hot_encoding_gives_one_slot_per_category()
    {
        var result = Featurizer.Fit(Rankings, new FeaturizeSpec { Label = "world_rank < 4", Features = ["country"], Categorical = ["country"], Encoding = "onehot" });
        Assert.Equal(["country=France", "country=UK", "country=USA"], result.Features.FeatureNames);
        Assert.Equal([0f, 0f, 1f], result.Features.Values[..3]);
    }

    [Fact]
    public void The_task_is_inferred_from_the_label()
    {
        Assert.Equal(MlTask.Regression, Featurizer.Fit(Rankings, new FeaturizeSpec { Label = "world_rank", Features = ["students"] }).Task);
        Assert.Equal(MlTask.Multiclass, Featurizer.Fit(Rankings, new FeaturizeSpec { Label = "country", Features = ["world_rank"] }).Task);
        Assert.Equal(MlTask.Binary, Featurizer.Fit(Rankings, new FeaturizeSpec { Label = "year", Features = ["world_rank"] }).Task);
    }

    [Fact]
    public void Unused_derived_columns_are_not_computed()
    {
        // 'nope' refers to a column this table lacks; it must not matter while nothing uses it.
        var spec = new FeaturizeSpec
        {
            Label = "world_rank < 4", Features = ["students"], Derive = [KeyValuePair.Create("other", "nope * 2")],
        };
        Assert.Empty(Featurizer.Fit(Rankings, spec).Fitted.Derive);
    }

    [Fact]
    public void A_filter_that_keeps_nothing_is_an_error()
    {
        var error = Assert.Throws<MlOpsException>(() => Featurizer.Fit(Rankings, new FeaturizeSpec { Label = "world_rank < 4", Filter = "world_rank < 0" }));
        Assert.Contains("keeps no rows", error.Message);
    }

    [Fact]
    public void Feature_sets_round_trip_through_their_binary_form()
    {
        var result = Featurizer.Fit(Rankings, new FeaturizeSpec { Label = "country", Features = ["world_rank", "students"], SplitBy = "year" });
        using var stream = new MemoryStream();
        result.Features.Write(stream);
        stream.Position = 0;
        var copy = FeatureSet.Read(stream);
        Assert.Equal(result.Features.Values, copy.Values);
        Assert.Equal(result.Features.ClassLabels, copy.ClassLabels);
        Assert.Equal(result.Features.SplitValues, copy.SplitValues);
        Assert.Equal(result.Features.FeatureNames, copy.FeatureNames);
    }
}
