using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace MlOps.Cli.Tests;

/// <summary>`dotnet mlops.dll deploy serve ...` as a real child process: waits for its banner, reads its URL, stops it with SIGTERM.</summary>
public sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _printed = new();
    private readonly Task<string> _stderr;
    private readonly Task _reader;
    private readonly TaskCompletionSource _banner = new();

    public ServeProcess(string mlopsDll, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        start.ArgumentList.Add(mlopsDll);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        _process = Process.Start(start)!;
        _stderr = _process.StandardError.ReadToEndAsync();
        // Lines arrive on a background reader: a pipe read cannot be cancelled, a wait on a signal can.
        _reader = Task.Run(async () =>
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
                lock (_printed)
                {
                    _printed.AppendLine(line);
                    if (line.StartsWith("Press Ctrl+C")) _banner.TrySetResult();
                }
            _banner.TrySetResult();
        });
    }

    public string Printed
    {
        get { lock (_printed) return _printed.ToString(); }
    }

    /// <summary>Wait for the banner and return the URL it printed (fails with what the process printed when there is none).</summary>
    public async Task<string> UrlAsync()
    {
        await _banner.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var text = Printed;
        var url = Regex.Match(text, @"at (http://127\.0\.0\.1:\d+)\r?\n") is { Success: true } m ? m.Groups[1].Value : null;
        Assert.True(url is not null, text + (_process.HasExited ? await _stderr : ""));
        return url!;
    }

    /// <summary>SIGTERM is what service managers and `docker stop` send; Ctrl+C (SIGINT) takes the same path in DeployCommand.</summary>
    public async Task<(int Exit, string Err)> TerminateAsync()
    {
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
            term.WaitForExit();
        Assert.True(_process.WaitForExit(TimeSpan.FromSeconds(30)), "the server did not stop on SIGTERM");
        await _reader;
        return (_process.ExitCode, await _stderr);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
    }
}
