using MlOps.Cli.Commands;
using MlOps.Tests.Shared;
using static MlOps.Interactive.Tests.KernelSession;

namespace MlOps.Interactive.Tests;

/// <summary>#!monitor: the twin of `mlops monitor`, and in the in-process kernel a degraded window acted on through the gates.</summary>
public sealed class MonitorDirectiveTests : IDisposable
{
    private const string Model = "rankings";
    private readonly KernelSession _session = new();

    public void Dispose() => _session.Dispose();

    private string Store => $"--store \"{_session.Store}\"";

    [Fact]
    public void Monitor_and_monitor_history_have_the_options_of_mlops_monitor()
    {
        var monitor = MonitorCommand.Build(TextWriter.Null, TextWriter.Null);
        RegistrySyntaxTests.AssertTwins(monitor, MonitorSyntax.Check);
        RegistrySyntaxTests.AssertTwins(monitor.Subcommands.Single(c => c.Name == "history"), MonitorSyntax.History);
        Assert.Same(MonitorSyntax.Check, DirectiveLine.Parse("#!monitor --model m --data w.csv --apply").Subcommand);
        Assert.Same(MonitorSyntax.History, DirectiveLine.Parse("#!monitor history --model m").Subcommand);
    }

    [Fact]
    public async Task A_reversed_window_is_retrained_into_Production_and_the_history_charts_it()
    {
        AssertSucceeded(await _session.SubmitAsync(_session.RunLine("uc1", "--set train.numberOfTrees=20 --quiet")));
        AssertSucceeded(await _session.SubmitAsync($"#!register --best --experiment uc1 --model {Model} {Store}"));
        AssertSucceeded(await _session.SubmitAsync($"#!promote --model {Model} --version 1 --stage Production --reason first {Store}"));
        var window = RankingsWindows.Write(Cwur, Path.Combine(_session.Directory, "reversed.csv"), ["2012", "2013", "2014"], RankingsWindows.ReversedLabels);
        var catalog = $"--catalog \"{Path.Combine(_session.Directory, "catalog")}\"";

        var proposed = await _session.SubmitAsync($"#!monitor --model {Model} --data \"{window}\" --window proposed {catalog} {Store}");
        AssertSucceeded(proposed);
        var html = Displayed(proposed).Single(v => v.MimeType == "text/html").Value;
        Assert.Contains("<table class=\"mlops-checks\"", html);
        Assert.Contains("✗", html);
        Assert.Contains("Decision 1", html);
        Assert.DoesNotContain("<script", html);
        Assert.Contains("Decision 1", Displayed(proposed).Single(v => v.MimeType == "text/plain").Value);
        Assert.Equal("degraded 1", ReturnedText(await _session.SubmitAsync("$\"{lastMonitoring.Status} {lastMonitoring.Decision.Code}\"")));

        var applied = await _session.SubmitAsync($"#!monitor --model {Model} --data \"{window}\" --apply {catalog} {Store}");
        AssertSucceeded(applied);
        Assert.Contains("v2 is now Production", Displayed(applied).Single(v => v.MimeType == "text/html").Value);
        Assert.Equal("acted 2", ReturnedText(await _session.SubmitAsync("$\"{lastMonitoring.Status} {lastMonitoring.Outcome.NewVersion}\"")));

        var history = await _session.SubmitAsync($"#!monitor history --model {Model} {Store}");
        AssertSucceeded(history);
        var chart = Displayed(history).Single(v => v.MimeType == "text/html").Value;
        Assert.Contains("<svg", chart);
        Assert.Contains("threshold", chart);
        Assert.Contains("proposed", chart);
        Assert.Equal("2", ReturnedText(await _session.SubmitAsync("lastMonitoringHistory.Count.ToString()")));
    }

    [Fact]
    public async Task An_applied_decision_reaches_a_running_server_which_swaps_to_the_retrained_version()
    {
        AssertSucceeded(await _session.SubmitAsync(_session.RunLine("uc1", "--set train.numberOfTrees=20 --quiet")));
        AssertSucceeded(await _session.SubmitAsync($"#!register --best --experiment uc1 --model {Model} {Store}"));
        AssertSucceeded(await _session.SubmitAsync($"#!promote --model {Model} --version 1 --stage Production --reason first {Store}"));
        AssertSucceeded(await _session.SubmitAsync($"#!deploy --model {Model} --poll-seconds 0.5 {Store}"));
        var url = ReturnedText(await _session.SubmitAsync("lastDeployment.Url"))!;
        var window = RankingsWindows.Write(Cwur, Path.Combine(_session.Directory, "reversed.csv"), ["2012", "2013", "2014"], RankingsWindows.ReversedLabels);
        var catalog = $"--catalog \"{Path.Combine(_session.Directory, "catalog")}\"";

        AssertSucceeded(await _session.SubmitAsync($"#!monitor --model {Model} --data \"{window}\" --apply {catalog} {Store}"));
        Assert.Equal("acted 2", ReturnedText(await _session.SubmitAsync("$\"{lastMonitoring.Status} {lastMonitoring.Outcome.NewVersion}\"")));

        // The monitoring loop promoted v2 through the gates; the server that was serving v1 follows Production.
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var served = 1;
        while (served != 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            served = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(url + "/version")).RootElement.GetProperty("version").GetInt32();
        }
        Assert.Equal(2, served);
    }
}
