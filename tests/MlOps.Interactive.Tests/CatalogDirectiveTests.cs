using MlOps.Catalog;
using MlOps.Cli.Commands;
using static MlOps.Interactive.Tests.KernelSession;
using static MlOps.Interactive.Tests.RegistrySyntaxTests;

namespace MlOps.Interactive.Tests;

/// <summary>#!catalog in the runner's in-process kernel, fed by #!register / #!promote; twin of `mlops catalog`.</summary>
public sealed class CatalogDirectiveTests : IDisposable
{
    private readonly KernelSession _session = new();

    public void Dispose() => _session.Dispose();

    // The test assembly's throw-away catalog ($MLOPS_CATALOG), shared by its tests: each uses its own model name.
    private static string Catalog => $"--catalog \"{CatalogLocation.Resolve(null)}\"";

    [Fact]
    public void Every_catalog_subcommand_of_mlops_has_a_directive_twin_with_the_same_options()
    {
        var catalog = CatalogCommand.Build(TextWriter.Null, TextWriter.Null);

        Assert.Equal(catalog.Subcommands.Select(c => c.Name).Order(), CatalogSyntax.All.Select(s => s.Name).Order());
        foreach (var verb in catalog.Subcommands)
            AssertTwins(verb, CatalogSyntax.All.Single(s => s.Name == verb.Name), catalog);
    }

    [Fact]
    public async Task Registered_models_appear_in_the_catalog_views_and_descriptions_are_new_records()
    {
        const string model = "cat-nb-rankings";
        var store = $"--store \"{_session.Store}\"";
        AssertSucceeded(await _session.SubmitAsync(_session.RunLine("uc1", "--quiet")));
        AssertSucceeded(await _session.SubmitAsync($"#!register --best --experiment uc1 --model {model} {store}"));
        AssertSucceeded(await _session.SubmitAsync($"#!promote --model {model} --version 1 --stage Production --reason \"from the notebook\" {store}"));

        AssertSucceeded(await _session.SubmitAsync($"#!catalog describe --model {model} --owner erin --tag rankings --tag demo {Catalog}"));
        var list = await _session.SubmitAsync($"#!catalog list --tag demo {Catalog}");
        AssertSucceeded(list);
        Assert.Contains("<table id=\"models\"", Displayed(list).First(v => v.MimeType == "text/html").Value);
        Assert.Equal($"{model} erin 1", ReturnedText(await _session.SubmitAsync("$\"{lastCatalog.Single().Model} {lastCatalog.Single().Owner} {lastCatalog.Single().ProductionVersion}\"")));

        var show = await _session.SubmitAsync($"#!catalog show {model} {Catalog}");
        AssertSucceeded(show);
        Assert.Contains("from the notebook", Displayed(show).First(v => v.MimeType == "text/html").Value);
        Assert.Equal("registered promoted described", ReturnedText(await _session.SubmitAsync("string.Join(\" \", lastCatalogEntry.History.Select(r => r.Kind))")));

        var page = Path.Combine(_session.Directory, "catalog.html");
        AssertSucceeded(await _session.SubmitAsync($"#!catalog export --html \"{page}\" {Catalog}"));
        Assert.Contains(model, File.ReadAllText(page));
    }
}
