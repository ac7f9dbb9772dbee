using System.CommandLine;
using System.Runtime.InteropServices;
using MlOps.Catalog;
using MlOps.Packaging;
using MlOps.Server;
using MlOps.Serving;
using MlOps.Storage;

namespace MlOps.Cli.Commands;

/// <summary>
/// `mlops deploy serve|batch|package|list|stop`. Serve runs in the foreground until SIGINT/SIGTERM, following its stage
/// or alias; with --package it serves a package folder and needs no store.
/// </summary>
internal static class DeployCommand
{
    public const string TokenVariable = "MLOPS_SERVE_TOKEN";

    public static Command Build(TextWriter output, TextWriter error)
    {
        var deploy = new Command("deploy", "Serve registered models over HTTP, or package one to serve elsewhere.");
        deploy.Subcommands.Add(BuildServe(output, error));
        deploy.Subcommands.Add(DeployBatchCommand.Build(output, error));
        deploy.Subcommands.Add(DeployPackageCommand.Build(output, error));
        deploy.Subcommands.Add(DeployManageCommand.BuildList(output, error));
        deploy.Subcommands.Add(DeployManageCommand.BuildStop(output, error));
        return deploy;
    }

    private static Command BuildServe(TextWriter output, TextWriter error)
    {
        // Not RegistryCli.Model: a package names its own model, so --model is required only without --package.
        var model = new Option<string?>("--model") { Description = "The registered model's name (letters, digits, '-', '_', '.'); not with --package." };
        var package = new Option<string?>("--package") { Description = "Serve a folder written by `mlops deploy package` (hashes verified at start) instead of a store's version." };
        var stage = new Option<string?>("--stage") { Description = "Serve the version in this stage: Production (default) or Staging." };
        var alias = new Option<string?>("--alias") { Description = "Serve the version with this alias (e.g. champion)." };
        var version = new Option<int?>("--version") { Description = "Serve this version number (pinned: never followed)." };
        var port = new Option<int>("--port") { Description = "TCP port (0 = any free port).", DefaultValueFactory = _ => 5000 };
        var host = new Option<string>("--host") { Description = "IP address to listen on. Only loopback unless you open another interface on purpose.", DefaultValueFactory = _ => "127.0.0.1" };
        var token = new Option<string?>("--token") { Description = $"Require `Authorization: Bearer <token>` on every route but /health (default: ${TokenVariable} when set)." };
        var refuseExtra = new Option<bool>("--refuse-extra-columns") { Description = "Answer 400 when a request has columns the model does not use (default: ignore them)." };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body accepted; a larger one is a 400 (REQUEST_TOO_LARGE) asking for fewer rows.", DefaultValueFactory = _ => 4 * 1024 * 1024 };
        var noFollow = new Option<bool>("--no-follow") { Description = "Keep serving the version chosen at start; by default the server switches when the stage or alias moves (promotion, rollback)." };
        var poll = new Option<double>("--poll-seconds") { Description = "How often to check the registry for a promotion made by another process.", DefaultValueFactory = _ => 2 };
        var shadowVersion = new Option<int?>("--shadow-version") { Description = "Also score every request with this version (a challenger) in the background; it never answers." };
        var shadowAlias = new Option<string?>("--shadow-alias") { Description = "Like --shadow-version, by alias (e.g. challenger)." };
        var logRate = new Option<double>("--log-sample-rate") { Description = "Share of served rows (0..1) written to the store's prediction log for monitoring (default 1: all; 0: none). Flushed on shutdown.", DefaultValueFactory = _ => 1.0 };
        var command = new Command("serve", "Serve a registered model version over HTTP (MLflow-compatible POST /invocations) until Ctrl+C.")
        {
            model, package, stage, alias, version, port, host, token, refuseExtra, maxBody, noFollow, poll, shadowVersion, shadowAlias, logRate, CommonOptions.Store,
        };
        command.SetAction(parse =>
        {
            try
            {
                var request = new DeploymentRequest
                {
                    Model = parse.GetValue(model) ?? "", Stage = parse.GetValue(stage), Alias = parse.GetValue(alias), Version = parse.GetValue(version),
                    Host = parse.GetValue(host)!, Port = parse.GetValue(port), Token = parse.GetValue(token) ?? Environment.GetEnvironmentVariable(TokenVariable),
                    MaxBodyBytes = parse.GetValue(maxBody), RefuseExtraColumns = parse.GetValue(refuseExtra), Follow = !parse.GetValue(noFollow),
                    PollInterval = TimeSpan.FromSeconds(parse.GetValue(poll)), ShadowVersion = parse.GetValue(shadowVersion), ShadowAlias = parse.GetValue(shadowAlias), LogSampleRate = parse.GetValue(logRate),
                    Source = "cli", Catalog = () => Stores.OpenCatalog(null), OnMessage = line => Print(line.StartsWith("Swapped", StringComparison.Ordinal) ? output : error, line),
                };
                if (parse.GetValue(package) is { } packageDirectory)
                {
                    if (parse.GetValue(model) is not null || request.Stage is not null || request.Alias is not null || request.Version is not null)
                        throw new MlOpsException("--package serves the version the package holds: drop --model, --stage, --alias and --version.");
                    return ServePackage(packageDirectory, request, output);
                }
                if (request.Model.Length == 0)
                    throw new MlOpsException("Give --model <name> to serve from the store, or --package <dir> to serve a package.");
                return ServeFromStore(parse.GetValue(CommonOptions.Store), request, output);
            }
            catch (MlOpsException e)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static int ServeFromStore(string? storeLocation, DeploymentRequest request, TextWriter output)
    {
        using var stop = StopSignals();
        // The deployment keeps the store open while it follows (the store locks per operation, so others can promote).
        var deployment = ModelDeployment.StartAsync(Stores.Open(storeLocation), request, ownsStore: true).GetAwaiter().GetResult();
        try
        {
            Banner(deployment.Server, request, output, deployment.Watch is { } w
                ? $"Following {w.Selector}: checking every {request.PollInterval.TotalSeconds:0.###} s and on promotions; --no-follow pins the version."
                : "Pinned to this version (--version or --no-follow).");
            stop.Token.WaitHandle.WaitOne();
        }
        finally
        {
            deployment.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        output.WriteLine("Stopped.");
        return 0;
    }

    private static int ServePackage(string directory, DeploymentRequest request, TextWriter output)
    {
        using var stop = StopSignals();
        var opened = ModelPackage.Open(directory);
        var scorer = ModelScorer.Load(opened.Version, opened.Artifacts, new ScorerOptions { AllowExtraColumns = !request.RefuseExtraColumns });
        var server = ModelServer.StartAsync(new ModelServerOptions
        {
            Scorer = scorer, Host = request.Host, Port = request.Port, Token = string.IsNullOrEmpty(request.Token) ? null : request.Token, MaxBodyBytes = request.MaxBodyBytes,
            OnServerError = e => request.OnMessage?.Invoke($"error: a request failed inside the server: {e}"),
        }).GetAwaiter().GetResult();
        try
        {
            Banner(server, request, output, $"From the package {Path.GetFullPath(directory)} (no store; the version it holds).");
            stop.Token.WaitHandle.WaitOne();
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            scorer.Dispose();
        }
        output.WriteLine("Stopped.");
        return 0;
    }

    /// <summary>SIGINT (Ctrl+C) and SIGTERM (service managers, docker stop) cancel the default exit and stop in order.</summary>
    private static StopSource StopSignals() => new();

    private sealed class StopSource : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly PosixSignalRegistration _sigint;
        private readonly PosixSignalRegistration _sigterm;

        public StopSource()
        {
            _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; _stop.Cancel(); });
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; _stop.Cancel(); });
        }

        public CancellationToken Token => _stop.Token;

        public void Dispose()
        {
            _sigint.Dispose();
            _sigterm.Dispose();
            _stop.Dispose();
        }
    }

    private static void Banner(ModelServer server, DeploymentRequest request, TextWriter output, string how)
    {
        var scorer = server.Scorer;
        var v = scorer.Version;
        var token = !string.IsNullOrEmpty(request.Token);
        output.WriteLine($"Serving '{v.Model}' v{v.Version} ({v.Stage}, {v.Task}, sha256 {scorer.Sha256[..12]}) at {server.Url}");
        output.WriteLine(how);
        if (server.Stats.ShadowVersion is { } shadow)
            output.WriteLine($"Shadow: v{shadow} scores the same requests in the background (never answers).");
        output.WriteLine($"Routes: POST {server.Url}/invocations, GET {server.Url}/health, /version, /metrics, /openapi.json{(token ? " (bearer token required but /health)" : "")}");
        output.WriteLine("Sample request:");
        output.WriteLine("  " + SampleRequest.Curl(scorer.Signature, server.Url, token ? TokenVariable : null));
        output.WriteLine("Press Ctrl+C to stop.");
        output.Flush();
    }

    // The watch reports from a background thread: one whole line, flushed, so a reader of the pipe sees it at once.
    private static void Print(TextWriter writer, string line)
    {
        lock (writer)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }
}
