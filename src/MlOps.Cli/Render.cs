using System.Globalization;
using MlOps.Pipeline;
using MlOps.Tracking;
using Spectre.Console;

namespace MlOps.Cli;

/// <summary>Human-readable tables for the terminal (Spectre.Console); colour only when writing to a terminal.</summary>
internal static class Render
{
    private static IAnsiConsole Console(TextWriter writer)
    {
        var terminal = ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.No,
        });
        // Logs and pipes have no width: do not squeeze tables into 80 columns there.
        if (!terminal)
            console.Profile.Width = 200;
        return console;
    }

    private static string F(double? v) => v is { } d && double.IsFinite(d) ? d.ToString("0.0000", CultureInfo.InvariantCulture) : "-";

    public static void Result(TextWriter writer, ExperimentResult result)
    {
        var console = Console(writer);
        var metrics = result.Runs.SelectMany(o => o.Run.Metrics.Keys).Distinct().Where(IsHeadline).ToList();
        var varying = VaryingParams(result.Runs.Select(o => o.Run).ToList());
        var table = new Table().Title($"experiment [bold]{Markup.Escape(result.Experiment)}[/]").AddColumn("run").AddColumn("status").AddColumn("trainer");
        foreach (var p in varying) table.AddColumn(Markup.Escape(p));
        foreach (var m in metrics) table.AddColumn(new TableColumn(m).RightAligned());
        table.AddColumn(new TableColumn("stages (cached)").RightAligned());
        foreach (var o in result.Runs)
        {
            var cells = new List<string>
            {
                (o.IsBest ? "[green]★[/] " : "  ") + o.Run.Id[..12],
                o.Status == "failed" ? "[red]failed[/]" : o.Status,
                Markup.Escape(o.Run.Trainer),
            };
            cells.AddRange(varying.Select(p => Markup.Escape(o.Run.Params.GetValueOrDefault(p) ?? "")));
            cells.AddRange(metrics.Select(m => F(o.Run.Metrics.TryGetValue(m, out var v) ? v : null)));
            cells.Add($"{o.Run.Stages.Count(s => s.Cached)}/{o.Run.Stages.Count}");
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
        foreach (var o in result.Runs.Where(o => o.Run.Error is not null))
            console.MarkupLine($"[red]run {o.Run.Id[..12]} failed:[/] {Markup.Escape(o.Run.Error!)}");
        foreach (var note in result.Runs.SelectMany(o => o.Notes).Distinct())
            console.MarkupLine($"[grey]note: {Markup.Escape(note)}[/]");
        if (result.Best is { } best)
            console.MarkupLine($"best: [green]{best.Run.Id}[/] ({Markup.Escape(best.Run.Trainer)})");
    }

    private static bool IsHeadline(string metric) => metric is "accuracy" or "precision" or "recall" or "f1" or "auc" or "pr_auc"
        or "micro_accuracy" or "macro_accuracy" or "log_loss" or "rmse" or "mae" or "r2";

    private static List<string> VaryingParams(IReadOnlyList<Run> runs) =>
        runs.SelectMany(r => r.Params.Keys).Distinct()
            .Where(k => k != "train.trainer" && runs.Select(r => r.Params.GetValueOrDefault(k)).Distinct().Count() > 1)
            .Order(StringComparer.Ordinal).ToList();

    public static void Runs(TextWriter writer, IReadOnlyList<Run> runs)
    {
        var console = Console(writer);
        var metrics = runs.SelectMany(r => r.Metrics.Keys).Distinct().Where(IsHeadline).ToList();
        var table = new Table().AddColumn("run").AddColumn("experiment").AddColumn("status").AddColumn("trainer").AddColumn("started");
        foreach (var m in metrics) table.AddColumn(new TableColumn(m).RightAligned());
        foreach (var r in runs)
        {
            var cells = new List<string>
            {
                r.Id[..12], Markup.Escape(r.Experiment), r.Status.ToString().ToLowerInvariant(), Markup.Escape(r.Trainer),
                r.StartedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            };
            cells.AddRange(metrics.Select(m => F(r.Metrics.TryGetValue(m, out var v) ? v : null)));
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
        console.MarkupLine($"[grey]{runs.Count} run(s)[/]");
    }

    public static void Experiments(TextWriter writer, IReadOnlyList<ExperimentSummary> experiments)
    {
        var console = Console(writer);
        var table = new Table().AddColumn("experiment").AddColumn(new TableColumn("runs").RightAligned()).AddColumn("last run");
        foreach (var e in experiments)
            table.AddRow(Markup.Escape(e.Name), e.Runs.ToString(CultureInfo.InvariantCulture), e.LastRunAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        console.Write(table);
    }

    public static void Run(TextWriter writer, Run run, RunDetails? details)
    {
        var console = Console(writer);
        console.MarkupLine($"run [bold]{run.Id}[/] of experiment [bold]{Markup.Escape(run.Experiment)}[/]: {run.Status.ToString().ToLowerInvariant()}");
        console.MarkupLine($"{Markup.Escape(run.Trainer)} ({run.Task}), started {run.StartedAt:O}, ML.NET {run.MlNetVersion}, .NET {run.RuntimeVersion}");
        if (run.Error is not null)
            console.MarkupLine($"[red]error:[/] {Markup.Escape(run.Error)}");
        var grid = new Table().AddColumn("param").AddColumn("value");
        foreach (var (k, v) in run.Params.OrderBy(p => p.Key, StringComparer.Ordinal))
            grid.AddRow(Markup.Escape(k), Markup.Escape(v));
        console.Write(grid);
        var metrics = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (k, v) in run.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
            metrics.AddRow(k, F(v));
        console.Write(metrics);
        var stages = new Table().AddColumn("stage").AddColumn("cached").AddColumn(new TableColumn("seconds").RightAligned()).AddColumn("key");
        foreach (var s in run.Stages)
            stages.AddRow(s.Name, s.Cached ? "yes" : "no", s.Seconds.ToString("0.000", CultureInfo.InvariantCulture), s.Key.Length > 12 ? s.Key[..12] : s.Key);
        console.Write(stages);
        if (run.Data is { } data)
            console.MarkupLine($"data: {data.Rows} rows, sha256 {data.Sha256[..12]}, {data.Columns.Count} columns");
        if (run.Model is { } model)
            console.MarkupLine($"model: sha256 {model.Sha256[..12]} ({model.Bytes:N0} bytes); signature: {Markup.Escape(string.Join(", ", run.Signature.Select(c => $"{c.Name}:{c.Type}")))}");
        if (details?.Confusion is { } confusion)
        {
            var matrix = new Table().Title("confusion (rows: actual)").AddColumn("");
            foreach (var label in confusion.Labels) matrix.AddColumn(Markup.Escape(label));
            for (var i = 0; i < confusion.Labels.Count; i++)
                matrix.AddRow(new[] { Markup.Escape(confusion.Labels[i]) }.Concat(confusion.Counts[i].Select(c => c.ToString(CultureInfo.InvariantCulture))).ToArray());
            console.Write(matrix);
        }
        if (details is { FeatureImportance.Count: > 0 })
            foreach (var (feature, drop) in details.FeatureImportance.OrderByDescending(f => f.Value))
                console.MarkupLine($"importance {Markup.Escape(feature),-32} {F(drop)}");
    }

    public static void Comparison(TextWriter writer, RunComparison comparison)
    {
        var console = Console(writer);
        var table = new Table().AddColumn("");
        foreach (var id in comparison.RunIds) table.AddColumn(id[..12]);
        foreach (var (key, values) in comparison.Params)
            table.AddRow(new[] { Markup.Escape(key) }.Concat(values.Select(v => Markup.Escape(v ?? "-"))).ToArray());
        table.AddEmptyRow();
        foreach (var (metric, values) in comparison.Metrics)
        {
            var deltas = comparison.Deltas[metric];
            table.AddRow(new[] { metric }.Concat(values.Select((v, i) => i == 0 ? F(v) : $"{F(v)} ({(deltas[i] >= 0 ? "+" : "")}{F(deltas[i])})")).ToArray());
        }
        if (comparison.CurvePoints.Count > 0)
            table.AddEmptyRow();
        foreach (var (point, values) in comparison.CurvePoints)
            table.AddRow(new[] { point }.Concat(values.Select(v => F(v))).ToArray());
        console.Write(table);
    }
}
