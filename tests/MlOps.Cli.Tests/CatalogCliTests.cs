using System.Diagnostics;
using System.Text.Json.Nodes;
using MlOps.Catalog;

namespace MlOps.Cli.Tests;

/// <summary>
/// `mlops catalog` on real registrations: the catalog filled by `mlops register` / `mlops promote`, listed, shown,
/// described, and exported as a static page that headless Chromium renders.
/// </summary>
public sealed class CatalogCliTests : IDisposable
{
    private readonly CliHarness _cli = new();

    // The test assembly points $MLOPS_CATALOG at a throw-away folder; registrations from every test land there,
    // so each test uses its own model name.
    private static string Catalog => CatalogLocation.Resolve(null);

    public void Dispose() => _cli.Dispose();

    private static (int Exit, string Out, string Err) Catalog_(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = CliApp.Run(["catalog", .. args, "--catalog", Catalog], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private void RegisterAndPromote(string model)
    {
        var (exit, _, err) = _cli.Run("experiment", "run", "--name", model + "-exp", "--params", CliHarness.ParamsFile,
            "--set", $"data.path={Path.Combine(CliHarness.Rankings, "cwurData.csv")}", "--set", "train.n_est=5,20", "--quiet");
        Assert.True(exit == 0, err);
        (exit, _, err) = _cli.Run("register", "--best", "--experiment", model + "-exp", "--model", model);
        Assert.True(exit == 0, err);
        (exit, _, err) = _cli.Run("promote", "--model", model, "--version", "1", "--stage", "Production", "--reason", "first release");
        Assert.True(exit == 0, err);
    }

    [Fact]
    public void Registrations_reach_the_catalog_and_list_show_describe_answer_in_the_contract_shapes()
    {
        const string model = "cat-cli-rankings";
        RegisterAndPromote(model);

        var (exit, output, err) = Catalog_("describe", "--model", model, "--owner", "dana", "--purpose", "top-50 universities", "--tag", "rankings");
        Assert.True(exit == 0, err);
        (exit, output, err) = Catalog_("list", "--owner", "dana", "--json");
        Assert.True(exit == 0, err);
        var listed = JsonNode.Parse(output)!["models"]!.AsArray().Single()!;
        Assert.Equal(model, listed["model"]!.GetValue<string>());
        Assert.Equal(1, listed["productionVersion"]!.GetValue<int>());
        Assert.Equal("top-50 universities", listed["purpose"]!.GetValue<string>());
        Assert.True(listed["metrics"]!["auc"]!.GetValue<double>() > 0.5);

        (exit, output, err) = Catalog_("show", model, "--json");
        Assert.True(exit == 0, err);
        var history = JsonNode.Parse(output)!["history"]!.AsArray();
        Assert.Equal(["registered", "promoted", "described"], history.Select(r => r!["kind"]!.GetValue<string>()));
        Assert.Contains(history[0]!["evidence"]!.AsArray(), e => e!.GetValue<string>().StartsWith($"chosen from 2 run(s) of experiment '{model}-exp'", StringComparison.Ordinal));
        Assert.Equal("first release", history[1]!["facts"]!["reason"]!.GetValue<string>());

        (exit, output, _) = Catalog_("show", "nobody-here");
        Assert.Equal(1, exit);
    }

    [Fact]
    public void The_exported_page_renders_in_headless_Chromium_with_every_model_and_its_history()
    {
        const string model = "cat-cli-export";
        RegisterAndPromote(model);
        var page = Path.Combine(_cli.Directory, "catalog.html");

        var (exit, _, err) = Catalog_("export", "--html", page);
        Assert.True(exit == 0, err);

        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new Xunit.Sdk.XunitException("Headless Chromium is needed for this test: apt-get install -y chromium (.ci/run installs it).");
        // The DOM after rendering: what a manager's browser shows.
        var dom = RunChromium(chromium, "--dump-dom", new Uri(page).AbsoluteUri);
        Assert.Contains($"id=\"model-{model}\"", dom);
        Assert.Contains("first release", dom);
        Assert.Contains("<table id=\"models\"", dom);
        // And a real paint: a screenshot that is not blank.
        var png = Path.Combine(_cli.Directory, "catalog.png");
        RunChromium(chromium, $"--screenshot={png}", "--window-size=1200,900", new Uri(page).AbsoluteUri);
        Assert.True(new FileInfo(png).Length > 5_000, "the screenshot is (nearly) empty");
    }

    private static string RunChromium(string chromium, params string[] args)
    {
        var info = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage" }.Concat(args))
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "chromium did not finish in 60 s");
        return output.Result;
    }
}
