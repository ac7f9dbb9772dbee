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
        var executableName = OperatingSystem.IsWindows() ? "dotnet-interactive.exe" : "dotnet-interactive";
        var executable = Path.Combine(toolDirectory, executableName);
        await InstallLock.WaitAsync();
        try
        {
            for (var attempt = 1; !File.Exists(executable); attempt++)
            {
                // dotnet test runs test assemblies in parallel processes and two of them need the tool. A lock file
                // did not keep two `dotnet tool install` runs apart on CI, so each process installs into its own
                // staging folder and moves it into place in one rename (a tool-path install is relocatable);
                // the loser of the race just uses the winner's folder.
                var staging = $"{toolDirectory}.staging-{Environment.ProcessId}-{Guid.NewGuid():N}";
                try
                {
                    await InstallAsync(staging, Path.Combine(staging, executableName), attempt);
                    Directory.Move(staging, toolDirectory);
                }
                catch (IOException) when (File.Exists(executable))
                {
                    // Another process finished first.
                }
                catch (InvalidOperationException) when (attempt < 2)
                {
                    // One retry for a transient NuGet failure.
                }
                finally
                {
                    if (Directory.Exists(staging))
                    {
                        Directory.Delete(staging, recursive: true);
                    }
                }
            }

            return executable;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task InstallAsync(string toolDirectory, string executable, int attempt)
    {
        var install = Process.Start(new ProcessStartInfo("dotnet", ["tool", "install", "--tool-path", toolDirectory, "Microsoft.dotnet-interactive", "--version", Version])
        {
            // Never the inherited directory: notebook runner tests in this process move it to temp folders they delete,
            // and dotnet fails at start ("Unable to find the specified file") when its directory is gone.
            WorkingDirectory = RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = install.StandardOutput.ReadToEndAsync();
        var error = install.StandardError.ReadToEndAsync();
        await install.WaitForExitAsync();
        if (install.ExitCode != 0 || !File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"Installing Microsoft.dotnet-interactive {Version} into '{toolDirectory}' failed (exit {install.ExitCode}, attempt {attempt}): {await output} {await error} " +
                "Check that the NuGet source serves this version, or install it there by hand with the same command.");
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
