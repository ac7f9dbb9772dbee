using System.Diagnostics;
using System.Globalization;
using Microsoft.DotNet.Interactive.Commands;
using MlOps.Notebooks;

/// <summary>
/// Cold start of the headless runner: a fresh `mlops run` process on a one-cell notebook (kernel, extension,
/// first cell, executed notebook written, exit) against a fresh process that only creates the same C# kernel
/// and runs the same cell. Whole-process wall times, medians of several runs.
/// </summary>
internal static class ColdStartBench
{
    public static int Run(string[] args)
    {
        var repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
        var directory = Directory.CreateTempSubdirectory("mlops-coldstart-").FullName;
        try
        {
            var notebook = Path.Combine(directory, "one.ipynb");
            File.WriteAllText(notebook, """
                {"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": "1 + 1"}],
                 "metadata": {"kernelspec": {"display_name": ".NET (C#)", "language": "C#", "name": ".net-csharp"}}, "nbformat": 4, "nbformat_minor": 5}
                """);
            var self = typeof(ColdStartBench).Assembly.Location;
            var mlops = Path.Combine(AppContext.BaseDirectory, "mlops.dll");
            var bare = new List<double>();
            var runner = new List<double>();
            for (var i = 0; i < repetitions; i++)
            {
                bare.Add(Spawn(self, "coldstart-bare"));
                runner.Add(Spawn(mlops, "run", notebook, "--output", Path.Combine(directory, "out.ipynb")));
            }
            double b = Median(bare), r = Median(runner);
            Console.WriteLine($"cold start, {repetitions} fresh processes each, medians of whole-process wall time");
            Console.WriteLine($"  bare C# kernel, one cell            {b:0.00} s");
            Console.WriteLine($"  mlops run (extension, one cell)     {r:0.00} s   ratio {r / b:0.00}x");
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The baseline process: the runner's kernel, one cell, exit.</summary>
    public static int Bare()
    {
        using var kernel = NotebookRunner.CreateKernel();
        var result = kernel.SendAsync(new SubmitCode("1 + 1", "csharp")).GetAwaiter().GetResult();
        return result.Events.Any(e => e is Microsoft.DotNet.Interactive.Events.CommandFailed) ? 1 : 0;
    }

    private static double Spawn(string dll, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(dll)} {string.Join(' ', args)} exited {process.ExitCode}");
        return watch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
