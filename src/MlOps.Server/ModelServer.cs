using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using MlOps.Serving;

namespace MlOps.Server;

/// <summary>
/// A running model server (Kestrel, minimal APIs): POST /invocations (MLflow formats), GET /health, /version,
/// /metrics and /openapi.json. The served scorer can be replaced while serving (<see cref="SwapAsync"/>).
/// Start it with <see cref="StartAsync"/>; dispose (or <see cref="StopAsync"/>) to stop it.
/// </summary>
public sealed class ModelServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions MetricsJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly ModelServerOptions _options;
    private readonly ServerStats _stats = new();
    private readonly ShadowScoring? _shadow;
    private ScorerLease _current;
    private WebApplication _app = null!;
    private volatile bool _disposed;

    private ModelServer(ModelServerOptions options)
    {
        _options = options;
        _current = new ScorerLease(options.Scorer, owned: false);
        if (options.Shadow is { } shadow)
            _shadow = new ShadowScoring(shadow, options.PredictionLog, options.ShadowQueue);
    }

    /// <summary>The bound address, e.g. http://127.0.0.1:41234 (the real port when 0 was asked for).</summary>
    public string Url { get; private set; } = "";

    /// <summary>The scorer answering now (a later swap may retire it).</summary>
    public ModelScorer Scorer => _disposed ? throw new ObjectDisposedException(nameof(ModelServer)) : Volatile.Read(ref _current).Scorer;

    /// <summary>Counts since start, latency percentiles, the version served, swaps, shadow and prediction log counts (also GET /metrics).</summary>
    public ServerStatsSnapshot Stats => _stats.Snapshot(Volatile.Read(ref _current).Scorer, _shadow, _options.PredictionLog as PredictionLogger);

    public static async Task<ModelServer> StartAsync(ModelServerOptions options, CancellationToken cancel = default)
    {
        if (!IPAddress.TryParse(options.Host == "localhost" ? "127.0.0.1" : options.Host, out var address))
            throw new MlOpsException($"--host must be an IP address (default 127.0.0.1), not '{options.Host}'.");
        if (options.Port is < 0 or > 65535)
            throw new MlOpsException($"--port must be between 0 and 65535, not {options.Port}.");
        var server = new ModelServer(options);
        try
        {
            await server.ListenAsync(address, cancel);
        }
        catch
        {
            if (server._shadow is not null)
                await server._shadow.DisposeAsync();
            throw;
        }
        return server;
    }

    private async Task ListenAsync(IPAddress address, CancellationToken cancel)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // The caller (CLI, notebook, test host) owns the process's signals; a library must not swallow Ctrl+C.
        builder.Services.AddSingleton<IHostLifetime, CallerLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, _options.Port);
            kestrel.Limits.MaxRequestBodySize = _options.MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        app.Use(Guard);
        if (!string.IsNullOrEmpty(_options.Token))
            app.Use(BearerCheck(Encoding.UTF8.GetBytes(_options.Token)));
        app.MapGet("/health", () => _disposed ? Results.StatusCode(503) : Results.Text("ok"));
        app.MapGet("/version", () => Results.Json(VersionInfo(Volatile.Read(ref _current).Scorer)));
        app.MapGet("/metrics", () => Results.Json(Stats, MetricsJson));
        app.MapGet("/openapi.json", () => Results.Json(OpenApiDocument.Build(Volatile.Read(ref _current).Scorer, !string.IsNullOrEmpty(_options.Token))));
        app.MapPost("/invocations", Invoke);
        try
        {
            await app.StartAsync(cancel);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new MlOpsException($"Could not listen on {_options.Host}:{_options.Port} ({e.Message}). Pick another --port (0 = any free one).", e);
        }
        _app = app;
        Url = app.Urls.First();
    }

    /// <summary>
    /// Serve <paramref name="next"/> from now on: it is warmed first (one synthetic row, so the first real request
    /// pays no engine creation), then swapped in atomically. Requests already scoring with the old scorer finish
    /// with it; it is disposed (when the server owns it) once the last of them returns it, which this awaits.
    /// On success the server owns <paramref name="next"/>; on failure (warming threw) the caller still does.
    /// </summary>
    public async Task SwapAsync(ModelScorer next, CancellationToken cancel = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await Task.Run(next.Warm, cancel);
        var retired = Interlocked.Exchange(ref _current, new ScorerLease(next, owned: true));
        _stats.Swapped();
        retired.Release();
        await retired.Drained.WaitAsync(cancel);
    }

    /// <summary>Borrow the current scorer for one request (retry when a swap retired it between the read and the borrow).</summary>
    private ScorerLease Borrow()
    {
        while (true)
        {
            var lease = Volatile.Read(ref _current);
            if (lease.TryBorrow())
                return lease;
        }
    }

    /// <summary>Outermost middleware: counts /invocations, and turns any escaped exception into a JSON 500 (logged) instead of a dropped connection.</summary>
    private async Task Guard(HttpContext context, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        var aborted = false;
        try
        {
            await next(context);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            aborted = true; // the client went away: nobody to answer
        }
        catch (Exception e)
        {
            _options.OnServerError?.Invoke(e);
            if (!context.Response.HasStarted)
                await Error(context, StatusCodes.Status500InternalServerError, "INTERNAL_ERROR",
                    $"The server failed on this request ({e.GetType().Name}: {e.Message}). This is a bug in the server, not in the request.");
        }
        finally
        {
            if (context.Request.Path.StartsWithSegments("/invocations"))
                _stats.Record(context.Response.StatusCode, started, aborted || context.RequestAborted.IsCancellationRequested);
        }
    }

    private static Func<HttpContext, RequestDelegate, Task> BearerCheck(byte[] token) => (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/health") || Authorized(context.Request.Headers.Authorization, token))
            return next(context);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Error(context, StatusCodes.Status401Unauthorized, "UNAUTHORIZED", "This server needs `Authorization: Bearer <token>`.");
    };

    private static bool Authorized(StringValues authorization, byte[] token)
    {
        var header = authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        var given = header.AsSpan(scheme.Length).Trim();
        // The given token's UTF-8 on the stack when it is short: no allocation per request.
        var length = Encoding.UTF8.GetMaxByteCount(given.Length);
        var bytes = length <= 1024 ? stackalloc byte[length] : new byte[length];
        // Fixed-time comparison: the token must not leak through response timing.
        return CryptographicOperations.FixedTimeEquals(bytes[..Encoding.UTF8.GetBytes(given, bytes)], token);
    }

    private async Task Invoke(HttpContext context)
    {
        var lease = Borrow();
        var body = context.Request.BodyReader;
        ReadResult read = default;
        try
        {
            context.Response.Headers["X-Model-Version"] = lease.VersionHeader;
            IReadOnlyList<Prediction> predictions;
            ScoringInput? input;
            try
            {
                read = await ReadToEnd(body, context.RequestAborted);
                (predictions, input) = Score(lease, read.Buffer);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                // A 400 like every other bad request (the contract), naming the limit so the client can split its rows.
                await Error(context, StatusCodes.Status400BadRequest, "REQUEST_TOO_LARGE",
                    $"The request body is larger than the {_options.MaxBodyBytes} bytes this server accepts. Send fewer rows per request.");
                return;
            }
            catch (BadHttpRequestException e)
            {
                await Error(context, StatusCodes.Status400BadRequest, "BAD_REQUEST", e.Message);
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
            if (input is not null)
                Observe(lease.Scorer, input, predictions);
            Answer(context.Response, predictions);
        }
        finally
        {
            if (read.Buffer.Length > 0 || read.IsCompleted)
                body.AdvanceTo(read.Buffer.End);
            lease.Release();
        }
    }

    /// <summary>The whole body, left unconsumed in the request's pipe (Kestrel enforces the size limit while it is read).</summary>
    private static async ValueTask<ReadResult> ReadToEnd(PipeReader body, CancellationToken cancel)
    {
        while (true)
        {
            var read = await body.ReadAsync(cancel);
            if (read.IsCompleted)
                return read;
            body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    /// <summary>
    /// Parse, validate and score. The common dataframe_split request goes straight into typed rows; any other body
    /// through a JSON document and the general parser, which words every error. The input is returned (built lazily)
    /// only when a prediction log or a shadow will read it.
    /// </summary>
    private (IReadOnlyList<Prediction> Predictions, ScoringInput? Input) Score(ScorerLease lease, ReadOnlySequence<byte> body)
    {
        var observed = _options.PredictionLog is not null || _shadow is not null;
        byte[]? copy = null;
        try
        {
            var bytes = body.IsSingleSegment ? body.FirstSpan : (copy = ArrayPool<byte>.Shared.Rent((int)body.Length)).AsSpan(0, (int)body.Length);
            if (copy is not null)
                body.CopyTo(copy);
            if (InvocationParser.TryReadSplit(bytes, lease) is var (rows, columns))
                return (lease.Scorer.Score(rows), observed ? rows.ToScoringInput(columns.Names, columns.Positions) : null);
        }
        finally
        {
            if (copy is not null)
                ArrayPool<byte>.Shared.Return(copy);
        }
        using var document = JsonDocument.Parse(body);
        var input = InvocationParser.Parse(document.RootElement, lease.SignatureNames);
        return (lease.Scorer.Score(input), input);
    }

    [ThreadStatic]
    private static AnswerWriter? t_answers;

    /// <summary>The answer is written whole into the thread's buffer, then sent with its Content-Length.</summary>
    private static void Answer(HttpResponse response, IReadOnlyList<Prediction> predictions)
    {
        var answers = t_answers ??= new AnswerWriter();
        var bytes = answers.Write(predictions);
        response.ContentType = "application/json";
        response.ContentLength = bytes.Length;
        response.BodyWriter.Write(bytes);
        if (answers.Oversized)
            t_answers = null; // a huge answer's buffer is not kept for the thread's life
    }

    /// <summary>Hand the answer to the prediction log and the input to the shadow; neither may block or fail the request.</summary>
    private void Observe(ModelScorer scorer, ScoringInput input, IReadOnlyList<Prediction> predictions)
    {
        if (_options.PredictionLog is { } log)
        {
            try { log.Log(scorer.Version, input, predictions, "serve"); }
            catch (Exception) { _stats.PredictionLogFailed(); }
        }
        _shadow?.Offer(input);
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
        if (_disposed)
            return;
        _disposed = true;
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_shadow is not null)
            await _shadow.DisposeAsync();
        // Requests have finished with the host: drop the server's own reference (disposes a swapped-in scorer).
        Volatile.Read(ref _current).Release();
    }
}
