using MlOps.Pipeline;

namespace MlOps.Core.Tests.Pipeline;

public sealed class ParamSetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlops-params-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Yaml_flattens_nested_maps_and_lists_and_interpolates_references()
    {
        var p = ParamSet.Load(Write("params.yaml", """
            featurize:
              max_rank: 100
              filter: world_rank <= ${featurize.max_rank}
              categorical: [country, region]
            train:
              numberOfTrees: 64
            """));

        Assert.Equal("100", p["featurize.max_rank"]);
        Assert.Equal("world_rank <= 100", p.GetString("featurize.filter"));
        Assert.Equal(["country", "region"], p.GetList("featurize.categorical"));
        Assert.Equal(64, p.GetInt("train.numberOfTrees", 0));
    }

    [Fact]
    public void Json_params_files_are_read_too()
    {
        var p = ParamSet.Load(Write("params.json", """{"split": {"test_fraction": 0.25}, "seed": 7}"""));
        Assert.Equal(0.25, p.GetDouble("split.test_fraction", 0));
        Assert.Equal(7, p.GetInt("seed", 0));
    }

    [Fact]
    public void A_params_file_that_does_not_parse_names_the_file_and_line()
    {
        var path = Write("bad.yaml", "featurize:\n  max_rank: [1, 2\n");
        var error = Assert.Throws<MlOpsException>(() => ParamSet.Load(path));
        Assert.Contains("bad.yaml", error.Message);
        Assert.Contains("not valid YAML", error.Message);

        var json = Write("bad.json", "{\"seed\": }");
        Assert.Contains("not valid JSON", Assert.Throws<MlOpsException>(() => ParamSet.Load(json)).Message);
    }

    [Fact]
    public void A_missing_params_file_is_a_clear_error()
    {
        var error = Assert.Throws<MlOpsException>(() => ParamSet.Load(Path.Combine(_dir, "nope.yaml")));
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void Unknown_references_and_cycles_are_errors()
    {
        var p = new ParamSet().With("a", "${b}").With("c", "${c}");
        Assert.Contains("${b}", Assert.Throws<MlOpsException>(() => p.GetString("a")).Message);
        Assert.Contains("itself", Assert.Throws<MlOpsException>(() => p.GetString("c")).Message);
    }

    [Fact]
    public void Ill_typed_values_name_the_key()
    {
        var p = new ParamSet().With("seed", "abc");
        Assert.Contains("'seed'", Assert.Throws<MlOpsException>(() => p.GetInt("seed", 1)).Message);
    }

    [Fact]
    public void Sweeps_expand_to_the_grid_of_combinations_but_list_keys_keep_their_commas()
    {
        var grid = ParamOverrides.Expand(new ParamSet(), ["train.numberOfTrees=64,100,200", "featurize.max_rank=100,300", "featurize.features=a,b|a"]);

        Assert.Equal(12, grid.Count);
        Assert.Equal("64", grid[0]["train.numberOfTrees"]);
        Assert.Equal("a,b", grid[0]["featurize.features"]);
        Assert.Equal("a", grid[1]["featurize.features"]);
        Assert.Equal(3, grid.Select(g => g["train.numberOfTrees"]).Distinct().Count());
    }

    [Fact]
    public void A_set_without_equals_is_an_error_with_an_example()
    {
        var error = Assert.Throws<MlOpsException>(() => ParamOverrides.Parse("train.numberOfTrees"));
        Assert.Contains("key=value", error.Message);
    }

    [Fact]
    public void Canonical_text_covers_only_the_named_sections()
    {
        var p = new ParamSet().With("featurize.max_rank", "100").With("train.numberOfTrees", "5");
        Assert.Equal("featurize.max_rank=100", p.Canonical("featurize"));
    }
}
