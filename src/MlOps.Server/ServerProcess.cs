using System.Runtime.InteropServices;
using MlOps.Serving;

namespace MlOps.Server;

/// <summary>Stopping a deployment that runs in another process of this machine: SIGTERM, so it shuts down in order (log flushed, stop recorded).</summary>
public static class ServerProcess
{
    private const int SigTerm = 15;

    /// <summary>
    /// Ask the deployment's process to stop. Refuses servers of another machine and servers inside a notebook kernel
    /// (a signal would end the whole kernel: stop those with #!deploy stop there).
    /// </summary>
    public static void Terminate(Deployment deployment)
    {
        if (!string.Equals(deployment.Machine, Environment.MachineName, StringComparison.OrdinalIgnoreCase))
            throw new MlOpsException($"'{deployment.Model}' v{deployment.Version} at {deployment.Url} runs on {deployment.Machine}, not here: stop it on that machine.");
        if (deployment.Source == "notebook" && deployment.ProcessId != Environment.ProcessId)
            throw new MlOpsException($"'{deployment.Model}' v{deployment.Version} at {deployment.Url} runs inside a notebook kernel (pid {deployment.ProcessId}): stop it there with `#!deploy stop --model {deployment.Model}`, or stop that kernel.");
        if (!OperatingSystem.IsWindows())
        {
            if (Kill(deployment.ProcessId, SigTerm) != 0)
                throw new MlOpsException($"Could not signal process {deployment.ProcessId} of '{deployment.Model}' (errno {Marshal.GetLastPInvokeError()}); it may belong to another user.");
            return;
        }
        // Windows has no SIGTERM for console processes of another console; ending the process is what remains.
        using var process = System.Diagnostics.Process.GetProcessById(deployment.ProcessId);
        process.Kill();
    }

    // DllImport rather than LibraryImport: the latter needs unsafe code enabled for one call.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
