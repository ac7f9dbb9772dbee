using System.Diagnostics;

namespace MlOps.Notebooks.Tests;

/// <summary>
/// The real dotnet-interactive tool, pinned to the frozen version, installed once per clone under
/// artifacts/tools (ignored by git) with `dotnet tool install --tool-path`, as .ci/run will do.
/// </summary>
public static class DotnetInteractiveTool
{
    public const string Version = "1.0.712001";

    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    public static async Task<string> EnsureInstalledAsync()
    {
        var toolDirectory = Path.Combine(RepositoryRoot(), "artifacts", "tools", "dotnet-interactive-" + Version);
        var executable = Path.Combine(toolDirectory, OperatingSystem.IsWindows() ? "dotnet-interactive.exe" : "dotnet-interactive");
        await InstallLock.WaitAsync();
        // dotnet test runs test assemblies in parallel processes, and two of them need the tool: a lock file
        // keeps a second process from installing into the same folder at the same time.
        using var processLock = await AcquireFileLockAsync(toolDirectory + ".lock");
        try
        {
            if (File.Exists(executable))
            {
                return executable;
            }

            var install = Process.Start(new ProcessStartInfo("dotnet", ["tool", "install", "--tool-path", toolDirectory, "Microsoft.dotnet-interactive", "--version", Version])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = install.StandardOutput.ReadToEndAsync();
            var error = install.StandardError.ReadToEndAsync();
            await install.WaitForExitAsync();
            if (install.ExitCode != 0 || !File.Exists(executable))
            {
                throw new InvalidOperationException(
                    $"Installing Microsoft.dotnet-interactive {Version} into '{toolDirectory}' failed (exit {install.ExitCode}): {await output} {await error} " +
                    "Check that the NuGet source serves this version, or install it there by hand with the same command.");
            }

            return executable;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task<FileStream> AcquireFileLockAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>The clone's root: the directory holding MlOps.Interactive.sln above the test binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MlOps.Interactive.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No MlOps.Interactive.sln above '{AppContext.BaseDirectory}'. Run the tests from a clone of the repository.");
    }
}
