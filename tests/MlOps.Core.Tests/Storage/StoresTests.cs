using MlOps.Catalog;
using MlOps.Storage;
using MlOps.Storage.LiteDb;
using MlOps.Storage.Postgres;

namespace MlOps.Tests.Storage;

/// <summary>A location becomes a store in one place, and what surfaces derive from a store works for a folder and a URL alike.</summary>
public sealed class StoresTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mlops-stores-" + Guid.NewGuid().ToString("N"));
    private readonly PostgresDatabase _database = new();

    public void Dispose()
    {
        _database.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void A_folder_opens_the_embedded_store_and_its_project_is_the_folder_holding_it()
    {
        using var store = Stores.OpenAt(Path.Combine(_root, "churn-project", ".mlops"));

        Assert.IsType<LiteDbRunStore>(store);
        Assert.Equal("litedb", Stores.BackendOf(Path.Combine(_root, "x")));
        Assert.Equal("churn-project", CatalogFeed.ProjectOf(store));
    }

    [Fact]
    public void A_postgres_url_opens_the_server_store_with_the_artifacts_it_names_and_its_project_is_the_database()
    {
        var artifacts = Path.Combine(_root, "shared-artifacts");
        using var store = Stores.OpenAt(_database.Url + "?artifacts=" + Uri.EscapeDataString(artifacts));

        var server = Assert.IsType<PostgresStore>(store);
        Assert.Equal("postgres", Stores.BackendOf(_database.Url));
        Assert.Equal(artifacts, server.ArtifactRoot);
        Assert.Equal(_database.Name, CatalogFeed.ProjectOf(store));
        Assert.DoesNotContain(":mlops@", store.Location); // the password never shows
    }
}
