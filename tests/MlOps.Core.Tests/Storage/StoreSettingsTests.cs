using MlOps.Storage;

namespace MlOps.Tests.Storage;

/// <summary>Option &gt; environment variable &gt; mlops.yaml/mlops.json (nearest folder up) &gt; default, for store, catalog and artifacts.</summary>
public sealed class StoreSettingsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mlops-config-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _environment = [];

    public StoreSettingsTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private ResolvedSetting? Store(string? option, string directory) =>
        StoreSettings.Resolve(option, StoreSettings.StoreVariable, c => c.Store, ".mlops", v => _environment.GetValueOrDefault(v), directory);

    private string Write(string relativePath, string text)
    {
        var path = Path.Combine(_root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_option_wins_over_the_environment_the_config_file_and_the_default()
    {
        Write("mlops.yaml", "store: postgres://team@db:5432/mlops\n");
        _environment[StoreSettings.StoreVariable] = "/from/env";

        Assert.Equal(new ResolvedSetting("/from/option", "option"), Store("/from/option", _root));
        Assert.Equal(new ResolvedSetting("/from/env", "environment"), Store(null, _root));
        _environment.Clear();
        Assert.Equal(new ResolvedSetting("postgres://team@db:5432/mlops", "config " + Path.Combine(_root, "mlops.yaml")), Store(null, _root));
        File.Delete(Path.Combine(_root, "mlops.yaml"));
        Assert.Equal(new ResolvedSetting(".mlops", "default"), Store(null, _root));
    }

    [Fact]
    public void A_blank_option_or_variable_counts_as_not_given()
    {
        _environment[StoreSettings.StoreVariable] = "";
        Assert.Equal("default", Store("  ", _root)!.Source);
    }

    [Fact]
    public void The_nearest_config_file_up_the_tree_is_read_and_its_relative_folders_are_relative_to_it()
    {
        Write("mlops.yaml", "store: shared/.mlops\ncatalog: ~/team-catalog\n");
        Write("project/mlops.json", """{ "store": "local-store", "artifacts": "/mnt/artifacts" }""");
        Directory.CreateDirectory(Path.Combine(_root, "project", "notebooks", "deep"));
        Directory.CreateDirectory(Path.Combine(_root, "other"));

        var nested = ProjectConfig.Find(Path.Combine(_root, "project", "notebooks", "deep"));
        Assert.Equal(Path.Combine(_root, "project", "local-store"), nested.Store);
        Assert.Equal("/mnt/artifacts", nested.Artifacts);
        Assert.Null(nested.Catalog); // the nearest file alone counts: nothing is merged from folders above it

        var top = ProjectConfig.Find(Path.Combine(_root, "other"));
        Assert.Equal(Path.Combine(_root, "shared", ".mlops"), top.Store);
        Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "team-catalog"), top.Catalog);
        Assert.Equal(Path.Combine(_root, "shared", ".mlops"), Store(null, Path.Combine(_root, "other"))!.Value);
    }

    [Fact]
    public void Catalog_and_artifacts_follow_the_same_order()
    {
        Write("mlops.yaml", "catalog: postgres://team@db/catalog\nartifacts: /mnt/shared\n");
        ResolvedSetting? Catalog(string? option) =>
            StoreSettings.Resolve(option, StoreSettings.CatalogVariable, c => c.Catalog, "/home/catalog", v => _environment.GetValueOrDefault(v), _root);
        ResolvedSetting? Artifacts(string? option) =>
            StoreSettings.Resolve(option, StoreSettings.ArtifactsVariable, c => c.Artifacts, null, v => _environment.GetValueOrDefault(v), _root);

        Assert.Equal("postgres://team@db/catalog", Catalog(null)!.Value);
        Assert.Equal("/mnt/shared", Artifacts(null)!.Value);
        Assert.Equal("/from/url", Artifacts("/from/url")!.Value);
        _environment[StoreSettings.CatalogVariable] = "/env/catalog";
        _environment[StoreSettings.ArtifactsVariable] = "/env/artifacts";
        Assert.Equal("/env/catalog", Catalog(null)!.Value);
        Assert.Equal("/env/artifacts", Artifacts(null)!.Value);

        File.Delete(Path.Combine(_root, "mlops.yaml"));
        _environment.Clear();
        Assert.Null(Artifacts(null)); // no default: a server store then uses the directory recorded in its database
        Assert.Equal(new ResolvedSetting("/home/catalog", "default"), Catalog(null));
    }

    [Fact]
    public void A_config_file_with_an_unknown_key_or_two_files_in_one_folder_is_refused_with_the_fix()
    {
        var path = Write("mlops.yaml", "stor: .mlops\n");
        var unknown = Assert.Throws<MlOpsException>(() => ProjectConfig.Find(_root));
        Assert.Contains($"The config file {path} has an unknown key 'stor'", unknown.Message);

        Write("mlops.yaml", "store: .mlops\n");
        Write("mlops.json", "{}");
        var both = Assert.Throws<MlOpsException>(() => ProjectConfig.Find(_root));
        Assert.Contains("Keep one of them", both.Message);

        File.Delete(Path.Combine(_root, "mlops.yaml"));
        Write("mlops.json", """{ "store": 3 }""");
        Assert.Contains("must be a text", Assert.Throws<MlOpsException>(() => ProjectConfig.Find(_root)).Message);
        Write("mlops.json", "[1]");
        Assert.Contains("must hold a map", Assert.Throws<MlOpsException>(() => ProjectConfig.Find(_root)).Message);
    }
}
