using System.Runtime.InteropServices;
using MlOps.Pipeline;

namespace MlOps.Cli;

/// <summary>
/// While a command trains (`experiment run`, `run` of a notebook), Ctrl+C or SIGTERM first stores the process's
/// running runs as failed ("interrupted"), then lets the signal end the process as it would have.
/// </summary>
internal static class StopSignals
{
    public static IDisposable EndRunsOnStop(TextWriter error)
    {
        var registrations = new[] { (PosixSignal.SIGINT, "Ctrl+C"), (PosixSignal.SIGTERM, "SIGTERM") }
            .Select(s => PosixSignalRegistration.Create(s.Item1, _ =>
            {
                var ended = RunsInFlight.Interrupt("stopped by " + s.Item2);
                if (ended.Count > 0)
                    error.WriteLine($"Stopped: {ended.Count} running run(s) stored as failed (interrupted): {string.Join(", ", ended)}");
            }))
            .ToList();
        return new Registrations(registrations);
    }

    private sealed class Registrations(List<PosixSignalRegistration> all) : IDisposable
    {
        public void Dispose() => all.ForEach(r => r.Dispose());
    }
}
