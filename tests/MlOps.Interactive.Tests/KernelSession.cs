using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using MlOps.Notebooks;

namespace MlOps.Interactive.Tests;

/// <summary>The runner's in-process kernel with the extension loaded, and a fresh store folder per test (or the store given).</summary>
public sealed class KernelSession : IDisposable
{
    private readonly string? _store;

    public KernelSession(string? store = null)
    {
        _store = store;
        Directory = System.IO.Directory.CreateTempSubdirectory("mlops-ext-").FullName;
        Kernel = NotebookRunner.CreateKernel();
        new ExperimentKernelExtension().OnLoadAsync(Kernel).GetAwaiter().GetResult();
    }

    public CompositeKernel Kernel { get; }

    public string Directory { get; }

    /// <summary>The --store of <see cref="RunLine"/>: a folder, or a postgres:// URL.</summary>
    public string Store => _store ?? Path.Combine(Directory, ".mlops");

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Cwur => Path.Combine(RepoRoot, "assets", "data", "world-university-rankings", "cwurData.csv");

    /// <summary>A small, fast binary run on the rankings data (as in the README's quick tour).</summary>
    public string RunLine(string name = "uc1", string extra = "") =>
        $"#!experiment run --name {name} --data \"{Cwur}\" --filter \"world_rank <= 100\" --label \"world_rank < 50\" --split-by year --trainer FastTree --store \"{Store}\" {extra}";

    public async Task<KernelCommandResult> SubmitAsync(string code) => await Kernel.SendAsync(new SubmitCode(code));

    public static string? Failure(KernelCommandResult result) => result.Events.OfType<CommandFailed>().FirstOrDefault()?.Message;

    public static void AssertSucceeded(KernelCommandResult result) =>
        Assert.True(Failure(result) is null, Failure(result));

    /// <summary>Every formatted value the cell displayed, by MIME type (updates replace nothing here: all are kept).</summary>
    public static IReadOnlyList<FormattedValue> Displayed(KernelCommandResult result) =>
        result.Events.OfType<DisplayedValueProduced>().SelectMany(e => e.FormattedValues).ToList();

    public static string? ReturnedText(KernelCommandResult result)
    {
        AssertSucceeded(result);
        return result.Events.OfType<ReturnValueProduced>().Single().Value?.ToString();
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlOps.Interactive.sln")))
                return dir.FullName;
        throw new InvalidOperationException("repo root not found");
    }

    public void Dispose()
    {
        Kernel.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
