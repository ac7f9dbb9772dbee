using Microsoft.DotNet.Interactive;
using static MlOps.Interactive.Tests.KernelSession;

namespace MlOps.Interactive.Tests;

/// <summary>#!register, #!promote, #!rollback, #!gate and #!models in the runner's in-process kernel: views, variables, refusals.</summary>
public sealed class RegistryDirectiveTests : IDisposable
{
    private const string Model = "RFClass-cwurData";
    private readonly KernelSession _session = new();

    public void Dispose() => _session.Dispose();

    private string Store => $"--store \"{_session.Store}\"";

    private static string Html(KernelCommandResult result) => Displayed(result).Single(v => v.MimeType == "text/html").Value;

    private static string Text(KernelCommandResult result) => Displayed(result).Single(v => v.MimeType == "text/plain").Value;

    /// <summary>Two real runs of experiment uc1 (1 and 20 trees): the weaker first.</summary>
    private async Task<(string Weak, string Strong)> TwoRunsAsync()
    {
        AssertSucceeded(await _session.SubmitAsync(_session.RunLine("uc1", "--set train.numberOfTrees=1,20 --quiet")));
        var ids = ReturnedText(await _session.SubmitAsync(
            "string.Join(\" \", lastExperiment.Runs.OrderBy(r => r.Run.Metrics[\"auc\"]).Select(r => r.Run.Id))"))!.Split(' ');
        return (ids[0], ids[1]);
    }

    [Fact]
    public async Task Register_promote_rollback_and_show_render_versions_gates_and_a_history_timeline()
    {
        var (weak, strong) = await TwoRunsAsync();

        var first = await _session.SubmitAsync($"#!register --run {weak} --model {Model} {Store}");
        var best = await _session.SubmitAsync($"#!register --best --experiment uc1 --metric auc --model {Model} --description \"best of uc1\" {Store}");
        AssertSucceeded(first);
        AssertSucceeded(best);
        Assert.Contains("<table class=\"mlops-versions\"", Html(best));
        Assert.Contains($"Registered run {strong} as {Model} v2", Text(best));
        Assert.Equal($"2 {strong}", ReturnedText(await _session.SubmitAsync("$\"{lastVersion.Version} {lastVersion.RunId}\"")));

        AssertSucceeded(await _session.SubmitAsync($"#!promote --model {Model} --version 1 --stage Production --reason \"first release\" {Store}"));
        var promote = await _session.SubmitAsync($"#!promote --model {Model} --version 2 --stage Production --reason better --gate \"auc >= 0.9\" {Store}");
        AssertSucceeded(promote);
        var gates = Html(promote);
        Assert.Contains("<table class=\"mlops-gates\"", gates);
        Assert.Contains("<code>auc &gt;= 0.9</code>", gates);
        Assert.Contains("✓", gates);
        Assert.DoesNotContain("✗", gates);
        Assert.Contains("v1 left Production", Text(promote));
        Assert.Equal("True 1", ReturnedText(await _session.SubmitAsync("$\"{lastPromotion.Promoted} {lastPromotion.Displaced}\"")));

        var rollback = await _session.SubmitAsync($"#!rollback --model {Model} --reason \"v2 misbehaves\" --var back {Store}");
        AssertSucceeded(rollback);
        Assert.Equal("1 Production", ReturnedText(await _session.SubmitAsync("$\"{back.Version.Version} {back.Version.Stage}\"")));

        var show = await _session.SubmitAsync($"#!models show {Model} {Store}");
        AssertSucceeded(show);
        var view = Html(show);
        Assert.Contains("<ol class=\"mlops-history\"", view);
        Assert.Contains("<i>v2 misbehaves</i>", view);
        Assert.Contains("<th style=\"border:1px solid #ddd;padding:2px 6px;text-align:left\">aliases</th>", view);
        Assert.DoesNotContain("<script", view);
        Assert.Contains("v1 Archived -> Production", Text(show));
        Assert.Equal("Production,Archived 5", ReturnedText(await _session.SubmitAsync(
            "$\"{string.Join(\",\", lastModel.Versions.Select(v => v.Stage))} {lastModel.History.Count}\"")));
    }

    [Fact]
    public async Task A_refused_promotion_fails_the_cell_with_the_gate_results_shown()
    {
        var (weak, _) = await TwoRunsAsync();
        AssertSucceeded(await _session.SubmitAsync($"#!register --run {weak} --model {Model} {Store}"));

        var refused = await _session.SubmitAsync($"#!promote --model {Model} --version 1 --stage Staging --reason try --gate \"auc >= 1.01\" {Store}");

        Assert.Contains("was not moved to Staging: gate 'auc >= 1.01' failed", Failure(refused));
        var view = Html(refused);
        Assert.Contains("<tr class=\"fail\"", view);
        Assert.Contains("✗", view);
        Assert.Contains("✗ auc >= 1.01", Text(refused));
        Assert.Equal("False None", ReturnedText(await _session.SubmitAsync("$\"{lastPromotion.Promoted} {lastPromotion.Version.Stage}\"")));

        var gate = await _session.SubmitAsync($"#!gate --model {Model} --version 1 --gate \"auc >= 1.01\" {Store}");
        Assert.Contains("fails its gates toward Production", Failure(gate));
        Assert.Equal("False", ReturnedText(await _session.SubmitAsync("lastGates.All(g => g.Passed)")));
    }

    [Fact]
    public async Task Aliases_lineage_and_trained_on_reach_the_next_cell()
    {
        var (weak, strong) = await TwoRunsAsync();
        AssertSucceeded(await _session.SubmitAsync($"#!register --run {weak} --model {Model} {Store}\n#!register --run {strong} --model {Model} {Store}"));

        var alias = await _session.SubmitAsync($"#!models alias --model {Model} --version 2 --alias champion {Store}");
        AssertSucceeded(alias);
        Assert.Contains("<code>@champion</code>", Html(alias));
        Assert.Equal("2", ReturnedText(await _session.SubmitAsync("lastVersion.Version")));

        var lineage = await _session.SubmitAsync($"#!models lineage --model {Model} --version 2 {Store}");
        AssertSucceeded(lineage);
        Assert.Contains("param train.numberOfTrees", Html(lineage));
        Assert.Contains("train.numberOfTrees = 20", Text(lineage));
        var data = ReturnedText(await _session.SubmitAsync("lastLineage.Version.Data.Sha256"))!;
        Assert.Equal(strong, ReturnedText(await _session.SubmitAsync("lastLineage.Run.Id")));

        AssertSucceeded(await _session.SubmitAsync($"#!models trained-on --data {data[..10]} {Store}"));
        Assert.Equal("1,2", ReturnedText(await _session.SubmitAsync("string.Join(\",\", lastVersions.Select(v => v.Version))")));

        var unalias = await _session.SubmitAsync($"#!models unalias --model {Model} --alias champion {Store}");
        AssertSucceeded(unalias);
        Assert.Contains("removed (was v2)", Text(unalias));
        var list = await _session.SubmitAsync($"#!models list {Store}");
        AssertSucceeded(list);
        Assert.Contains("<table class=\"mlops-models\"", Html(list));
        Assert.Equal("0", ReturnedText(await _session.SubmitAsync("lastModel.Versions.Sum(v => v.Aliases.Count)")));
    }

    [Fact]
    public async Task Bad_registry_input_fails_the_cell_with_the_engines_message()
    {
        var unknown = await _session.SubmitAsync($"#!promote --model ghost --version 1 --stage Staging --reason x {Store}");
        var path = await _session.SubmitAsync($"#!register --run ffffeeee --model ../etc {Store}");
        var both = await _session.SubmitAsync($"#!register --model m {Store}");

        Assert.Contains("No model 'ghost'", Failure(unknown));
        Assert.Contains("is not allowed", Failure(path));
        Assert.Contains("Give either --run <id> or --best", Failure(both));
    }

    [Fact]
    public async Task A_directive_takes_a_CSharp_value_with_the_csharp_prefix_so_a_notebook_promotes_the_version_it_just_registered()
    {
        var (weak, strong) = await TwoRunsAsync();
        AssertSucceeded(await _session.SubmitAsync($"#!register --run {weak} --model {Model} {Store}"));
        AssertSucceeded(await _session.SubmitAsync($"#!register --run {strong} --model {Model} {Store}"));

        // lastVersion is v2 (a ModelVersion: its number is used); reason from a string variable.
        AssertSucceeded(await _session.SubmitAsync("var why = \"from a variable\";"));
        AssertSucceeded(await _session.SubmitAsync($"#!promote --model {Model} --version @csharp:lastVersion --stage Production --reason @csharp:why {Store}"));
        Assert.Equal("2 True", ReturnedText(await _session.SubmitAsync("$\"{lastPromotion.Version.Version} {lastPromotion.Promoted}\"")));
        Assert.Contains("from a variable", Text(await _session.SubmitAsync($"#!models show {Model} {Store}")));

        var unknown = await _session.SubmitAsync($"#!promote --model {Model} --version @csharp:nothing --stage Production --reason x {Store}");
        Assert.NotNull(Failure(unknown));
    }
}
