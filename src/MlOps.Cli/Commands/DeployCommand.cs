using System.CommandLine;
using System.Runtime.InteropServices;
using MlOps.Registry;
using MlOps.Server;
using MlOps.Serving;

namespace MlOps.Cli.Commands;

/// <summary>`mlops deploy serve --model &lt;name&gt; [--stage|--alias|--version] [--port] [--host] [--token]`: a foreground model server.</summary>
internal static class DeployCommand
{
    public const string TokenVariable = "MLOPS_SERVE_TOKEN";

    public static Command Build(TextWriter output, TextWriter error)
    {
        var deploy = new Command("deploy", "Serve registered models over HTTP.");
        deploy.Subcommands.Add(BuildServe(output, error));
        deploy.Subcommands.Add(DeployBatchCommand.Build(output, error));
        return deploy;
    }

    private static Command BuildServe(TextWriter output, TextWriter error)
    {
        var stage = new Option<string?>("--stage") { Description = "Serve the version in this stage: Production (default) or Staging." };
        var alias = new Option<string?>("--alias") { Description = "Serve the version with this alias (e.g. champion)." };
        var version = new Option<int?>("--version") { Description = "Serve this version number." };
        var port = new Option<int>("--port") { Description = "TCP port (0 = any free port).", DefaultValueFactory = _ => 5000 };
        var host = new Option<string>("--host") { Description = "IP address to listen on. Only loopback unless you open another interface on purpose.", DefaultValueFactory = _ => "127.0.0.1" };
        var token = new Option<string?>("--token") { Description = $"Require `Authorization: Bearer <token>` on every route but /health (default: ${TokenVariable} when set)." };
        var refuseExtra = new Option<bool>("--refuse-extra-columns") { Description = "Answer 400 when a request has columns the model does not use (default: ignore them)." };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body accepted (413 above it).", DefaultValueFactory = _ => 4 * 1024 * 1024 };
        var command = new Command("serve", "Serve a registered model version over HTTP (MLflow-compatible POST /invocations) until Ctrl+C.")
        {
            RegistryCli.Model, stage, alias, version, port, host, token, refuseExtra, maxBody, CommonOptions.Store,
        };
        command.SetAction(parse =>
        {
            try
            {
                ModelScorer scorer;
                using (var store = CommonOptions.OpenStore(parse.GetValue(CommonOptions.Store)))
                {
                    // The scorer holds the model in memory, so the store is closed before serving: other processes can promote meanwhile.
                    var chosen = ServedVersion.Resolve(ModelRegistry.Over(store), parse.GetValue(RegistryCli.Model)!, parse.GetValue(stage), parse.GetValue(alias), parse.GetValue(version));
                    scorer = ModelScorer.Load(chosen, store.Artifacts, new ScorerOptions { AllowExtraColumns = !parse.GetValue(refuseExtra) });
                }
                using (scorer)
                    return Serve(scorer, parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(token) ?? Environment.GetEnvironmentVariable(TokenVariable),
                        parse.GetValue(maxBody), output);
            }
            catch (MlOpsException e)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static int Serve(ModelScorer scorer, string host, int port, string? token, long maxBody, TextWriter output)
    {
        using var stop = new CancellationTokenSource();
        // SIGINT (Ctrl+C) and SIGTERM (service managers, docker stop): cancel the default exit and shut down in order.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        var server = ModelServer.StartAsync(new ModelServerOptions
        {
            Scorer = scorer, Host = host, Port = port, Token = string.IsNullOrEmpty(token) ? null : token, MaxBodyBytes = maxBody,
        }).GetAwaiter().GetResult();
        var v = scorer.Version;
        output.WriteLine($"Serving '{v.Model}' v{v.Version} ({v.Stage}, {v.Task}, sha256 {scorer.Sha256[..12]}) at {server.Url}");
        output.WriteLine($"Routes: POST {server.Url}/invocations, GET {server.Url}/health, GET {server.Url}/version{(token is { Length: > 0 } ? " (bearer token required but /health)" : "")}");
        output.WriteLine("Sample request:");
        output.WriteLine("  " + SampleCurl(scorer, server.Url, token is { Length: > 0 }));
        output.WriteLine("Press Ctrl+C to stop.");
        output.Flush();
        stop.Token.WaitHandle.WaitOne();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        output.WriteLine("Stopped.");
        return 0;
    }

    private static string SampleCurl(ModelScorer scorer, string url, bool token)
    {
        var columns = string.Join(", ", scorer.Signature.Select(c => $"\"{c.Name}\""));
        var values = string.Join(", ", scorer.Signature.Select(c => c.Type == "number" ? "0" : "\"text\""));
        var auth = token ? $" -H \"Authorization: Bearer ${TokenVariable}\"" : "";
        return $"curl -s -X POST {url}/invocations -H 'Content-Type: application/json'{auth} -d '{{\"dataframe_split\": {{\"columns\": [{columns}], \"data\": [[{values}]]}}}}'";
    }
}
