using MlOps.Catalog;
using MlOps.Registry;
using MlOps.Storage.LiteDb;
using MlOps.Tests.Registry;

namespace MlOps.Tests.Catalog;

/// <summary>The catalog on real registry events (real runs, real LiteDB files): folding, search, corrections, append-only.</summary>
public sealed class ModelCatalogTests(RankingsRuns runs) : IClassFixture<RankingsRuns>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlops-catalog-").FullName;
    private LiteDbRunStore? _store;

    private LiteDbRunStore CatalogStore => _store ??= LiteDbRunStore.Open(_directory);

    public void Dispose()
    {
        _store?.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    /// <summary>Register weak then strong under one model, promote both to Production, with the catalog listening.</summary>
    private (ModelCatalog Catalog, string Model) Story(string model)
    {
        var catalog = new ModelCatalog(CatalogStore);
        var events = new RegistryEventHub { ThrowHandlerErrors = true };
        using var _ = catalog.Attach(events, "rankings-project", runs.Store);
        var registry = new ModelRegistry(runs.Store, runs.Store, events, actor: () => "alice");
        registry.Register(runs.Weak.Id, model, "one tree");
        registry.Register(runs.Strong.Id, model, "fifty trees");
        Assert.True(registry.Promote(model, 1, ModelStage.Production, "first release").Promoted);
        Assert.True(registry.Promote(model, 2, ModelStage.Production, "better auc").Promoted);
        return (catalog, model);
    }

    [Fact]
    public void Registry_events_become_records_and_the_entry_shows_Production_metrics_gates_and_why_this_run()
    {
        var (catalog, model) = Story("cat-story");

        var entry = catalog.Entry(model);

        Assert.Equal(["registered", "registered", "promoted", "promoted"], entry.History.Select(r => r.Kind));
        Assert.Equal(2, entry.ProductionVersion);
        Assert.Equal(2, entry.LatestVersion);
        Assert.Equal("alice", entry.Owner);
        Assert.Equal("rankings-project", entry.Project);
        Assert.Equal(runs.Strong.Metrics["auc"], entry.Metrics["auc"], 12);
        Assert.Contains(entry.Gates, g => g.Key == "smoke" && g.Value.StartsWith("passed", StringComparison.Ordinal));
        Assert.Contains(entry.DataSources, s => s.Contains("cwurData", StringComparison.Ordinal));
        Assert.Equal([runs.Strong.Data!.Sha256], entry.DataFingerprints);
        // Why this model: the experiment it was chosen from, with its runs.
        Assert.Contains(entry.History[1].Evidence, e => e.StartsWith("chosen from 2 run(s) of experiment 'rankings'", StringComparison.Ordinal));
        Assert.Equal("better auc", entry.History[3].Facts["reason"]);
    }

    [Fact]
    public void Search_finds_models_by_owner_tag_data_source_fingerprint_and_status()
    {
        var (catalog, model) = Story("cat-search");
        catalog.Describe(model, owner: "bob", purpose: "rank universities", tags: ["rankings", "demo"]);

        Assert.Equal([model], catalog.Search(new CatalogQuery { Owner = "bob" }).Select(e => e.Model));
        Assert.Equal([model], catalog.Search(new CatalogQuery { Tag = "demo" }).Select(e => e.Model));
        Assert.Equal([model], catalog.Search(new CatalogQuery { DataSource = "cwurData" }).Select(e => e.Model));
        Assert.Equal([model], catalog.Search(new CatalogQuery { TrainedOn = runs.Strong.Data!.Sha256[..10] }).Select(e => e.Model));
        Assert.Equal([model], catalog.Search(new CatalogQuery { Status = "production" }).Select(e => e.Model));
        Assert.Empty(catalog.Search(new CatalogQuery { Owner = "alice" }));
        Assert.Empty(catalog.Search(new CatalogQuery { DataSource = "timesData" }));
        Assert.Equal("rank universities", catalog.Entry(model).Purpose);
    }

    [Fact]
    public void A_correction_is_a_new_record_and_nothing_is_ever_replaced()
    {
        var (catalog, model) = Story("cat-correct");
        var described = catalog.Describe(model, owner: "bob");

        catalog.Correct(described.Id, new Dictionary<string, string> { ["owner"] = "carol" }, "bob moved teams");

        var entry = catalog.Entry(model);
        Assert.Equal("carol", entry.Owner);
        Assert.Equal(6, entry.History.Count);
        Assert.Equal("bob", entry.History.Single(r => r.Id == described.Id).Facts["owner"]);
        Assert.Equal(described.Id, entry.History[^1].Corrects);
        var again = Assert.Throws<MlOpsException>(() => CatalogStore.AppendRecord(described with { Summary = "rewritten" }));
        Assert.Contains("never replaced", again.Message);
        Assert.Equal("bob", CatalogStore.ReadRecords(model).Single(r => r.Id == described.Id).Facts["owner"]);
    }

    [Fact]
    public void The_html_export_is_one_static_page_with_every_model_and_its_history()
    {
        var (catalog, model) = Story("cat-html");

        var html = CatalogReport.Html(catalog.Entries(), DateTimeOffset.UtcNow);

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotContain("<script", html);
        Assert.Contains($"id=\"model-{model}\"", html);
        Assert.Contains("better auc", html);
        Assert.Contains("v2", html);
    }

    [Fact]
    public void An_unknown_model_names_the_fix()
    {
        var error = Assert.Throws<MlOpsException>(() => new ModelCatalog(CatalogStore).Entry("nobody"));
        Assert.Contains("mlops catalog list", error.Message);
    }
}
