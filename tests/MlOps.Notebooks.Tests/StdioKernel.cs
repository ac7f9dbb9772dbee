using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlOps.Notebooks.Tests;

/// <summary>
/// A client for `dotnet-interactive stdio`: one JSON command envelope per line on stdin
/// ({"token", "commandType", "command": {...}}), one JSON event envelope per line on stdout
/// ({"event": {...}, "eventType", "command": {the envelope, with its token}}). Lines that are not JSON
/// (the first-run telemetry banner) are ignored.
/// </summary>
public sealed class StdioKernel : IAsyncDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<JsonObject> _events = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private int _nextToken;

    private StdioKernel(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _events.CompleteAdding();
                return;
            }

            if (e.Data.StartsWith('{'))
            {
                try
                {
                    if (JsonNode.Parse(e.Data) is JsonObject envelope)
                    {
                        _events.Add(envelope);
                    }
                }
                catch (JsonException)
                {
                    // Not an envelope: part of the banner.
                }
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _stderr.Enqueue(e.Data);
            }
        };
    }

    /// <param name="environment">Variables set for the kernel process (e.g. HOME, to give it its own user NuGet.Config).</param>
    public static async Task<StdioKernel> StartAsync(string executable, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(executable, ["stdio", "--working-dir", workingDirectory])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        var kernel = new StdioKernel(Process.Start(start)!);
        kernel._process.BeginOutputReadLine();
        kernel._process.BeginErrorReadLine();
        // Commands sent before KernelReady may be lost while the host connects.
        await kernel.WaitForAsync(e => (string?)e["eventType"] == "KernelReady", timeout);
        return kernel;
    }

    /// <summary>Sends a command and returns its events up to and including CommandSucceeded or CommandFailed.</summary>
    public async Task<IReadOnlyList<JsonObject>> SendAsync(string commandType, JsonObject command, TimeSpan timeout)
    {
        var token = "mlops-" + Interlocked.Increment(ref _nextToken);
        var envelope = new JsonObject { ["token"] = token, ["commandType"] = commandType, ["command"] = command };
        await _process.StandardInput.WriteLineAsync(envelope.ToJsonString());
        await _process.StandardInput.FlushAsync();

        var events = new List<JsonObject>();
        await WaitForAsync(e =>
        {
            if ((string?)e["command"]?["token"] != token)
            {
                return false;
            }

            events.Add(e);
            return (string?)e["eventType"] is "CommandSucceeded" or "CommandFailed";
        }, timeout);
        return events;
    }

    public Task<IReadOnlyList<JsonObject>> SubmitCodeAsync(string code, TimeSpan timeout) =>
        SendAsync("SubmitCode", new JsonObject { ["code"] = code, ["targetKernelName"] = "csharp" }, timeout);

    private Task WaitForAsync(Func<JsonObject, bool> done, TimeSpan timeout) => Task.Run(() =>
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            foreach (var e in _events.GetConsumingEnumerable(cancel.Token))
            {
                if (done(e))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException(
            $"dotnet-interactive stdio gave no awaited event within {timeout.TotalSeconds:0} s (exited: {_process.HasExited}). stderr: {string.Join(" | ", _stderr)}");
    });

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await _process.StandardInput.WriteLineAsync(new JsonObject { ["token"] = "quit", ["commandType"] = "Quit", ["command"] = new JsonObject() }.ToJsonString());
                await _process.StandardInput.FlushAsync();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // Quit was not honoured in time: end our own child process.
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        _events.Dispose();
    }
}
