using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlOps.Serving;

namespace MlOps.Server;

/// <summary>
/// A running model server (Kestrel, minimal APIs): POST /invocations (MLflow formats), GET /health, GET /version.
/// Start it with <see cref="StartAsync"/>; dispose (or <see cref="StopAsync"/>) to stop it.
/// </summary>
public sealed class ModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile ModelScorer? _scorer;

    private ModelServer(WebApplication app, ModelScorer scorer, string url)
    {
        _app = app;
        _scorer = scorer;
        Url = url;
    }

    /// <summary>The bound address, e.g. http://127.0.0.1:41234 (the real port when 0 was asked for).</summary>
    public string Url { get; }

    public ModelScorer Scorer => _scorer ?? throw new ObjectDisposedException(nameof(ModelServer));

    public static async Task<ModelServer> StartAsync(ModelServerOptions options, CancellationToken cancel = default)
    {
        if (!IPAddress.TryParse(options.Host == "localhost" ? "127.0.0.1" : options.Host, out var address))
            throw new MlOpsException($"--host must be an IP address (default 127.0.0.1), not '{options.Host}'.");
        if (options.Port is < 0 or > 65535)
            throw new MlOpsException($"--port must be between 0 and 65535, not {options.Port}.");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // The caller (CLI, notebook, test host) owns the process's signals; a library must not swallow Ctrl+C.
        builder.Services.AddSingleton<IHostLifetime, CallerLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, options.Port);
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        ModelServer? server = null;
        ModelScorer Current() => server?._scorer ?? options.Scorer;

        if (!string.IsNullOrEmpty(options.Token))
            app.Use(BearerCheck(Encoding.UTF8.GetBytes(options.Token)));
        app.MapGet("/health", () => server?._scorer is null ? Results.StatusCode(503) : Results.Text("ok"));
        app.MapGet("/version", () => Results.Json(VersionInfo(Current())));
        app.MapPost("/invocations", (HttpContext context) => Invoke(context, Current()));
        try
        {
            await app.StartAsync(cancel);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new MlOpsException($"Could not listen on {options.Host}:{options.Port} ({e.Message}). Pick another --port (0 = any free one).", e);
        }
        var url = app.Urls.First();
        server = new ModelServer(app, options.Scorer, url);
        return server;
    }

    private static Func<HttpContext, RequestDelegate, Task> BearerCheck(byte[] token) => (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/health"))
            return next(context);
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        // Fixed-time comparison: the token must not leak through response timing.
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), token))
            return next(context);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Error(context, StatusCodes.Status401Unauthorized, "UNAUTHORIZED", "This server needs `Authorization: Bearer <token>`.");
    };

    private static async Task Invoke(HttpContext context, ModelScorer scorer)
    {
        IReadOnlyList<Prediction> predictions;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            predictions = scorer.Score(InvocationParser.Parse(document.RootElement, scorer.Signature.Select(c => c.Name).ToList()));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await Error(context, e.StatusCode, "REQUEST_TOO_LARGE", $"The request body is larger than this server accepts. Send fewer rows per request.");
            return;
        }
        catch (BadHttpRequestException e)
        {
            await Error(context, e.StatusCode, "BAD_REQUEST", e.Message);
            return;
        }
        catch (JsonException e)
        {
            await Error(context, StatusCodes.Status400BadRequest, "MALFORMED_REQUEST", $"The body is not valid JSON ({e.Message}).");
            return;
        }
        catch (MlOpsException e)
        {
            await Error(context, StatusCodes.Status400BadRequest, "BAD_REQUEST", e.Message);
            return;
        }
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteStartArray("predictions");
        foreach (var p in predictions)
            Write(writer, p);
        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    private static void Write(Utf8JsonWriter writer, Prediction p)
    {
        writer.WriteStartObject();
        switch (p.Label)
        {
            case bool b: writer.WriteBoolean("label", b); break;
            case string s: writer.WriteString("label", s); break;
            case float f: writer.WriteNumber("label", f); break;
            case double d: writer.WriteNumber("label", d); break;
        }
        if (p.Score is { } score) writer.WriteNumber("score", score);
        if (p.Probability is { } probability) writer.WriteNumber("probability", probability);
        if (p.Scores is { } scores)
        {
            writer.WriteStartObject("scores");
            foreach (var (name, value) in scores)
                writer.WriteNumber(name, value);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    private static Task Error(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        // MLflow's error shape, so MLflow clients report the message.
        return context.Response.WriteAsJsonAsync(new Dictionary<string, string> { ["error_code"] = code, ["message"] = message });
    }

    private static Dictionary<string, object> VersionInfo(ModelScorer scorer) => new()
    {
        ["model"] = scorer.Version.Model,
        ["version"] = scorer.Version.Version,
        ["stage"] = scorer.Version.Stage.ToString(),
        ["task"] = scorer.Version.Task,
        ["run"] = scorer.Version.RunId,
        ["sha256"] = scorer.Sha256,
        ["signature"] = scorer.Signature.Select(c => new Dictionary<string, string> { ["name"] = c.Name, ["type"] = c.Type }).ToList(),
    };

    private sealed class CallerLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancel) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancel) => Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancel = default) => await _app.StopAsync(cancel);

    /// <summary>Block until the host stops (Ctrl+C / SIGTERM, or <see cref="StopAsync"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel = default) => _app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _scorer = null;
    }
}
