using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using static MlOps.Interactive.Tests.KernelSession;

namespace MlOps.Interactive.Tests;

/// <summary>#!experiment in the runner's in-process kernel: options, rendered MIME types, values for the next cell, errors.</summary>
public sealed class ExperimentDirectiveTests : IDisposable
{
    private readonly KernelSession _session = new();

    public void Dispose() => _session.Dispose();

    [Fact]
    public async Task Run_renders_an_html_table_with_svg_charts_and_a_text_twin_and_sets_lastExperiment()
    {
        var result = await _session.SubmitAsync(_session.RunLine(extra: "--feature-importance"));

        AssertSucceeded(result);
        var html = Displayed(result).Where(v => v.MimeType == "text/html").Select(v => v.Value).ToList();
        var report = Assert.Single(html, h => h.Contains("mlops-experiment"));
        Assert.Contains("<table class=\"mlops-runs\"", report);
        Assert.Contains("★", report);
        Assert.Contains("<svg", report);
        Assert.Contains("ROC", report);
        Assert.Contains("Precision-recall", report);
        Assert.Contains("Confusion matrix", report);
        Assert.Contains("Feature importance", report);
        Assert.DoesNotContain("<script", report);
        Assert.Contains(Displayed(result), v => v.MimeType == "text/plain" && v.Value.Contains("experiment uc1: 1 run(s)"));
        // Live progress: shown first, then updated in place (same display id) until it says done, in HTML and as
        // plain text (not the markup) for viewers that strip HTML.
        var progress = result.Events.OfType<DisplayedValueProduced>().First();
        Assert.Contains("mlops-progress", Html(progress));
        var updates = result.Events.OfType<DisplayedValueUpdated>().Where(u => u.ValueId == progress.ValueId).ToList();
        Assert.NotEmpty(updates);
        Assert.Contains("done, 1 of 1 run(s) finished", Html(updates[^1]));
        var text = updates[^1].FormattedValues.Single(v => v.MimeType == "text/plain").Value;
        Assert.StartsWith("uc1: done, 1 of 1 run(s) finished", text);
        Assert.DoesNotContain("<", text);

        var next = await _session.SubmitAsync("lastExperiment.Best.Run.Metrics[\"auc\"] > 0.8");
        AssertSucceeded(next);
        Assert.Equal("True", ReturnedText(next));
    }

    [Fact]
    public async Task Repeated_set_options_sweep_and_the_sweep_chart_and_var_name_are_used()
    {
        var result = await _session.SubmitAsync(_session.RunLine("sweep", "--set train.numberOfTrees=5,20 --set train.numberOfLeaves=4 --var sweep --quiet"));

        AssertSucceeded(result);
        var report = Displayed(result).Single(v => v.MimeType == "text/html").Value;
        Assert.Contains("auc per train.numberOfTrees", report);
        var next = await _session.SubmitAsync("sweep.Runs.Select(r => r.Run.Params[\"train.numberOfLeaves\"] + \"/\" + r.Run.Params[\"train.numberOfTrees\"]).OrderBy(x => x).Aggregate((a, b) => a + \",\" + b)");
        AssertSucceeded(next);
        Assert.Equal("4/20,4/5", ReturnedText(next));
    }

    [Fact]
    public async Task Data_may_be_a_csharp_DataFrame_variable()
    {
        AssertSucceeded(await _session.SubmitAsync(
            $"var frame = Microsoft.Data.Analysis.DataFrame.LoadCsv(@\"{Cwur}\", numRows: 1000);"));

        var result = await _session.SubmitAsync(
            $"#!experiment run --name frame --data frame --filter \"world_rank <= 100\" --label \"world_rank < 50\" --features publications,citations,alumni_employment --trainer FastTree --store \"{_session.Store}\" --quiet");

        AssertSucceeded(result);
        var next = await _session.SubmitAsync("lastExperiment.Runs[0].Run.Data.Rows");
        AssertSucceeded(next);
        Assert.Equal("1000", ReturnedText(next));
    }

    [Fact]
    public async Task Data_may_be_a_csharp_IDataView_variable_that_is_not_a_DataFrame()
    {
        // TakeRows gives ML.NET's own IDataView (a skip/take filter), so the DataFrame branch cannot serve it.
        AssertSucceeded(await _session.SubmitAsync(
            $"var view = new Microsoft.ML.MLContext().Data.TakeRows(Microsoft.Data.Analysis.DataFrame.LoadCsv(@\"{Cwur}\", numRows: 1005), 1000);"));
        Assert.Equal("False", ReturnedText(await _session.SubmitAsync("view is Microsoft.Data.Analysis.DataFrame")));

        var result = await _session.SubmitAsync(
            $"#!experiment run --name view --data view --filter \"world_rank <= 100\" --label \"world_rank < 50\" --features publications,citations,alumni_employment --trainer FastTree --store \"{_session.Store}\" --quiet");

        AssertSucceeded(result);
        Assert.Equal("1000", ReturnedText(await _session.SubmitAsync("lastExperiment.Runs[0].Run.Data.Rows")));
    }

    [Fact]
    public async Task List_show_and_compare_render_the_store_and_set_variables()
    {
        AssertSucceeded(await _session.SubmitAsync(_session.RunLine("cmp", "--set train.numberOfTrees=5,20 --quiet")));
        var ids = await _session.SubmitAsync("string.Join(\" \", lastExperiment.Runs.Select(r => r.Run.Id))");
        var runIds = ReturnedText(ids)!.Split(' ');

        var list = await _session.SubmitAsync($"#!experiment list --name cmp --sort auc --store \"{_session.Store}\"");
        AssertSucceeded(list);
        Assert.Contains("<table class=\"mlops-runs\"", Displayed(list).Single(v => v.MimeType == "text/html").Value);
        Assert.Equal("2", ReturnedText(await _session.SubmitAsync("lastRuns.Count")));

        // The experiments themselves, as `mlops experiment list --experiments` gives them.
        var experiments = await _session.SubmitAsync($"#!experiment list --experiments --store \"{_session.Store}\"");
        AssertSucceeded(experiments);
        Assert.Contains(Displayed(experiments), v => v.MimeType == "text/plain" && v.Value.Contains("cmp: 2 runs"));
        Assert.Equal("2", ReturnedText(await _session.SubmitAsync("lastExperiments.Single(e => e.Name == \"cmp\").Runs")));

        var show = await _session.SubmitAsync($"#!experiment show {runIds[0][..8]} --store \"{_session.Store}\"");
        AssertSucceeded(show);
        Assert.Contains("<svg", Displayed(show).Single(v => v.MimeType == "text/html").Value);
        Assert.Equal(runIds[0], ReturnedText(await _session.SubmitAsync("lastRun.Id")));

        var compare = await _session.SubmitAsync($"#!experiment compare {runIds[0]} {runIds[1]} --store \"{_session.Store}\"");
        AssertSucceeded(compare);
        var view = Displayed(compare).Single(v => v.MimeType == "text/html").Value;
        Assert.Contains("train.numberOfTrees", view);
        Assert.Contains("ROC curves", view);
        Assert.Equal("2", ReturnedText(await _session.SubmitAsync("lastComparison.RunIds.Count")));
    }

    [Fact]
    public async Task Export_and_import_move_a_run_to_another_store()
    {
        AssertSucceeded(await _session.SubmitAsync(_session.RunLine("share", "--quiet")));
        var id = ReturnedText(await _session.SubmitAsync("lastExperiment.Runs[0].Run.Id"))!;
        var file = Path.Combine(_session.Directory, "run.mlrun");
        var other = Path.Combine(_session.Directory, "colleague");

        AssertSucceeded(await _session.SubmitAsync($"#!experiment export {id} --out \"{file}\" --store \"{_session.Store}\""));
        var imported = await _session.SubmitAsync($"#!experiment import \"{file}\" --store \"{other}\"");

        AssertSucceeded(imported);
        Assert.Contains(Displayed(imported), v => v.MimeType == "text/plain" && v.Value.Contains($"Imported run {id}"));
        // An export that cannot be written fails the cell with the file error in one line and leaves no file behind.
        var blocked = Path.Combine(file, "again.mlrun");
        var failed = await _session.SubmitAsync($"#!experiment export {id} --out \"{blocked}\" --store \"{_session.Store}\"");
        var message = Failure(failed);
        Assert.NotNull(message);
        Assert.DoesNotContain("   at ", message);
        Assert.Equal(new[] { "run.mlrun" }, Directory.GetFiles(_session.Directory).Select(f => Path.GetFileName(f)).ToArray());
    }

    [Fact]
    public async Task A_missing_required_option_fails_the_cell_with_the_parser_message()
    {
        var result = await _session.SubmitAsync($"#!experiment run --data x.csv --store \"{_session.Store}\"");

        Assert.Contains("Missing required parameter '--name'", Failure(result));
    }

    [Fact]
    public async Task An_unknown_option_fails_the_cell_naming_it_and_the_valid_ones()
    {
        var result = await _session.SubmitAsync($"#!experiment run --name x --trainr FastTree --store \"{_session.Store}\"");

        var message = Failure(result);
        Assert.NotNull(message);
        Assert.Contains("no option '--trainr'", message);
        Assert.Contains("did you mean --trainer?", message);
    }

    [Fact]
    public async Task A_wrong_typed_value_fails_the_cell()
    {
        var result = await _session.SubmitAsync($"#!experiment run --name x --seed abc --store \"{_session.Store}\"");

        Assert.Contains("--seed takes an integer, not 'abc'", Failure(result));
    }

    [Fact]
    public async Task An_unknown_trainer_fails_the_cell_with_the_engine_message_and_no_variable()
    {
        var result = await _session.SubmitAsync(_session.RunLine("bad", "--trainer FastTre").Replace("--trainer FastTree ", ""));

        var message = Failure(result);
        Assert.NotNull(message);
        Assert.Contains("Unknown binary trainer 'FastTre'", message);
        Assert.Contains("Did you mean FastTree?", message);
        var next = await _session.SubmitAsync("lastExperiment");
        Assert.NotNull(Failure(next));
        // Nothing half-written: the live progress ends as failed (not a stale "running" beside the error) and no run is stored.
        var progress = result.Events.OfType<DisplayedValueProduced>().First();
        var last = result.Events.OfType<DisplayedValueUpdated>().Last(u => u.ValueId == progress.ValueId);
        Assert.Contains("failed, 0 of 1 run(s) finished", Html(last));
        AssertSucceeded(await _session.SubmitAsync($"#!experiment list --name bad --store \"{_session.Store}\""));
        Assert.Equal("0", ReturnedText(await _session.SubmitAsync("lastRuns.Count")));
    }

    [Theory]
    [InlineData("#!experiment show", "Missing required parameter '--run'")]
    [InlineData("#!experiment export abcd", "Missing required parameter '--out'")]
    [InlineData("#!experiment import", "Missing required parameter '--file'")]
    [InlineData("#!experiment compare", "Missing required parameter '--runs'")]
    [InlineData("#!experiment list --limit abc", "--limit takes an integer, not 'abc'")]
    [InlineData("#!experiment list --sortt auc", "#!experiment list has no option '--sortt' (did you mean --sort?)")]
    [InlineData("#!experiment compare abcd", "Compare needs at least two runs")]
    [InlineData("#!experiment show --run abcd --var 1x", "--var 1x is not a C# variable name")]
    public async Task Every_subcommand_fails_the_cell_with_one_message_on_bad_input(string line, string expected)
    {
        var result = await _session.SubmitAsync($"{line} --store \"{_session.Store}\"");

        var message = Failure(result);
        Assert.NotNull(message);
        Assert.Contains(expected, message);
        Assert.DoesNotContain("\n", message.Trim());
    }

    [Theory]
    [InlineData("#!experiment frob", "Unknown subcommand 'frob'. Write #!experiment <run|list|show|compare|export|import> [options]")]
    [InlineData("#!experiment", "#!experiment needs a subcommand. Write #!experiment <run|list|show|compare|export|import> [options]")]
    [InlineData("#!models frob", "Unknown subcommand 'frob'. Write #!models <list|")]
    [InlineData("#!catalog", "#!catalog needs a subcommand. Write #!catalog <list|")]
    public async Task A_group_directive_without_a_known_subcommand_fails_with_its_usage(string line, string expected)
    {
        var result = await _session.SubmitAsync(line);

        var message = Failure(result);
        Assert.NotNull(message);
        Assert.StartsWith(expected, message);
        Assert.DoesNotContain("   at ", message);
    }

    [Fact]
    public async Task A_store_that_cannot_be_opened_fails_the_cell_with_one_message_not_a_stack_trace()
    {
        var file = Path.Combine(_session.Directory, "a-file");
        File.WriteAllText(file, "");

        var result = await _session.SubmitAsync($"#!experiment list --store \"{Path.Combine(file, "store")}\"");

        var message = Failure(result);
        Assert.NotNull(message);
        Assert.Contains(file, message);
        Assert.DoesNotContain("   at ", message);
    }

    [Fact]
    public async Task Experiment_name_completions_list_the_experiments_of_the_stores_used_in_the_session()
    {
        AssertSucceeded(await _session.SubmitAsync(_session.RunLine("completeme", "--quiet")));
        const string code = "#!experiment list --name ";

        var result = await _session.Kernel.SendAsync(new RequestCompletions(code, new LinePosition(0, code.Length)));

        var names = result.Events.OfType<CompletionsProduced>().Single().Completions.Select(c => c.DisplayText).ToList();
        Assert.Contains("completeme", names);
    }

    [Fact]
    public async Task Trainer_completions_list_the_catalog_and_auto()
    {
        const string code = "#!experiment run --trainer ";

        var result = await _session.Kernel.SendAsync(new RequestCompletions(code, new LinePosition(0, code.Length)));

        var names = result.Events.OfType<CompletionsProduced>().Single().Completions.Select(c => c.DisplayText).ToList();
        Assert.Contains("auto", names);
        Assert.Contains("FastTree", names);
        Assert.Contains("LightGbm", names);
        Assert.Contains("SdcaMaximumEntropy", names);
    }

    [Fact]
    public async Task Subcommand_completions_list_every_verb()
    {
        const string code = "#!experiment ";

        var result = await _session.Kernel.SendAsync(new RequestCompletions(code, new LinePosition(0, code.Length)));

        var names = result.Events.OfType<CompletionsProduced>().Single().Completions.Select(c => c.DisplayText).ToHashSet();
        Assert.Superset(names, new HashSet<string> { "run", "list", "show", "compare", "export", "import" });
    }

    private static string Html(DisplayEvent e) => e.FormattedValues.Single(v => v.MimeType == "text/html").Value;
}
