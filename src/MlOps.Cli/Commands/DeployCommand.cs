using System.CommandLine;
using System.Runtime.InteropServices;
using MlOps.Registry;
using MlOps.Server;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Cli.Commands;

/// <summary>`mlops deploy serve --model &lt;name&gt; [--stage|--alias|--version] [--port] [--host] [--token]`: a foreground model server.</summary>
internal static class DeployCommand
{
    public const string TokenVariable = "MLOPS_SERVE_TOKEN";

    public static Command Build(TextWriter output, TextWriter error)
    {
        var deploy = new Command("deploy", "Serve registered models over HTTP.");
        deploy.Subcommands.Add(BuildServe(output, error));
        deploy.Subcommands.Add(DeployManageCommand.BuildList(output, error));
        deploy.Subcommands.Add(DeployManageCommand.BuildStop(output, error));
        return deploy;
    }

    private static Command BuildServe(TextWriter output, TextWriter error)
    {
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
        var command = new Command("serve", "Serve a registered model version over HTTP (MLflow-compatible POST /invocations) until Ctrl+C.")
        {
            RegistryCli.Model, stage, alias, version, port, host, token, refuseExtra, maxBody, noFollow, poll, shadowVersion, shadowAlias, CommonOptions.Store,
        };
        command.SetAction(parse =>
        {
            ModelScorer? scorer = null, shadow = null;
            IRunStore? store = null;
            try
            {
                var model = parse.GetValue(RegistryCli.Model)!;
                var follow = !parse.GetValue(noFollow) && parse.GetValue(version) is null;
                var seconds = parse.GetValue(poll);
                if (follow && seconds is <= 0 or > 86400)
                    throw new MlOpsException($"--poll-seconds must be above 0 and at most 86400, not {seconds}.");
                var scorerOptions = new ScorerOptions { AllowExtraColumns = !parse.GetValue(refuseExtra) };
                store = CommonOptions.OpenStore(parse.GetValue(CommonOptions.Store));
                var registry = ModelRegistry.Over(store);
                var chosen = ServedVersion.Resolve(registry, model, parse.GetValue(stage), parse.GetValue(alias), parse.GetValue(version));
                scorer = ModelScorer.Load(chosen, store.Artifacts, scorerOptions);
                if (parse.GetValue(shadowVersion) is not null || parse.GetValue(shadowAlias) is not null)
                {
                    if (parse.GetValue(shadowVersion) is not null && parse.GetValue(shadowAlias) is not null)
                        throw new MlOpsException("Choose the shadow with one of --shadow-version or --shadow-alias, not both.");
                    shadow = ModelScorer.Load(ServedVersion.Resolve(registry, model, null, parse.GetValue(shadowAlias), parse.GetValue(shadowVersion)), store.Artifacts, scorerOptions);
                }
                if (!follow)
                {
                    // The scorers hold the models in memory: a pinned server needs no store while it serves.
                    store.Dispose();
                    store = null;
                }
                var server = new ServeSettings(parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(token) ?? Environment.GetEnvironmentVariable(TokenVariable),
                    parse.GetValue(maxBody), shadow);
                var watch = follow
                    ? new FollowSettings(registry, store!.Artifacts, new DeploymentSelector(model, parse.GetValue(stage), parse.GetValue(alias)),
                        TimeSpan.FromSeconds(seconds), scorerOptions)
                    : null;
                return Serve(scorer, server, watch, output, error);
            }
            catch (MlOpsException e)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
            finally
            {
                scorer?.Dispose();
                shadow?.Dispose();
                store?.Dispose();
            }
        });
        return command;
    }

    private sealed record ServeSettings(string Host, int Port, string? Token, long MaxBody, ModelScorer? Shadow);

    private sealed record FollowSettings(ModelRegistry Registry, IArtifactStore Artifacts, DeploymentSelector Selector, TimeSpan Poll, ScorerOptions ScorerOptions);

    private static int Serve(ModelScorer scorer, ServeSettings settings, FollowSettings? follow, TextWriter output, TextWriter error)
    {
        using var stop = new CancellationTokenSource();
        // SIGINT (Ctrl+C) and SIGTERM (service managers, docker stop): cancel the default exit and shut down in order.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        var token = string.IsNullOrEmpty(settings.Token) ? null : settings.Token;
        var server = ModelServer.StartAsync(new ModelServerOptions
        {
            Scorer = scorer, Shadow = settings.Shadow, Host = settings.Host, Port = settings.Port, Token = token, MaxBodyBytes = settings.MaxBody,
            OnServerError = e => Print(error, $"error: a request failed inside the server: {e}"),
        }).GetAwaiter().GetResult();
        var watch = follow is null ? null : new DeploymentWatch(follow.Registry, follow.Artifacts, follow.Selector, scorer.Version, next => server.SwapAsync(next),
            new DeploymentWatchOptions
            {
                PollInterval = follow.Poll, ScorerOptions = follow.ScorerOptions,
                OnChange = change => Print(change.Swapped ? output : error, change.Swapped
                    ? $"Swapped to '{change.Version.Model}' v{change.Version.Version} (sha256 {change.Version.Artifact.Sha256[..12]}), was v{change.Previous.Version}"
                    : $"warning: {change.Error}"),
            });
        var v = scorer.Version;
        output.WriteLine($"Serving '{v.Model}' v{v.Version} ({v.Stage}, {v.Task}, sha256 {scorer.Sha256[..12]}) at {server.Url}");
        output.WriteLine(follow is null
            ? "Pinned to this version (--version or --no-follow)."
            : $"Following {follow.Selector}: checking every {follow.Poll.TotalSeconds:0.###} s and on promotions; --no-follow pins the version.");
        if (settings.Shadow is { } shadow)
            output.WriteLine($"Shadow: v{shadow.Version.Version} scores the same requests in the background (never answers).");
        output.WriteLine($"Routes: POST {server.Url}/invocations, GET {server.Url}/health, /version, /metrics, /openapi.json{(token is not null ? " (bearer token required but /health)" : "")}");
        output.WriteLine("Sample request:");
        output.WriteLine("  " + SampleCurl(scorer, server.Url, token is not null));
        output.WriteLine("Press Ctrl+C to stop.");
        output.Flush();
        stop.Token.WaitHandle.WaitOne();
        watch?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        output.WriteLine("Stopped.");
        return 0;
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

    private static string SampleCurl(ModelScorer scorer, string url, bool token)
    {
        var columns = string.Join(", ", scorer.Signature.Select(c => $"\"{c.Name}\""));
        var values = string.Join(", ", scorer.Signature.Select(c => c.Type == "number" ? "0" : "\"text\""));
        var auth = token ? $" -H \"Authorization: Bearer ${TokenVariable}\"" : "";
        return $"curl -s -X POST {url}/invocations -H 'Content-Type: application/json'{auth} -d '{{\"dataframe_split\": {{\"columns\": [{columns}], \"data\": [[{values}]]}}}}'";
    }
}
