using MlOps.Serving;

namespace MlOps.Server;

public sealed record ModelServerOptions
{
    /// <summary>
    /// The loaded model to serve first (the server does not own the registry; whoever starts it picks the version).
    /// It stays the caller's to dispose; scorers handed to <see cref="ModelServer.SwapAsync"/> become the server's.
    /// </summary>
    public required ModelScorer Scorer { get; init; }

    /// <summary>A challenger scored on the same validated inputs off the request path; never answers. The caller disposes it.</summary>
    public ModelScorer? Shadow { get; init; }

    /// <summary>How many inputs may wait for the shadow; beyond that they are dropped (and counted), never waited for.</summary>
    public int ShadowQueue { get; init; } = 1024;

    /// <summary>Receives each answered request's predictions (source "serve") and the shadow's (source "shadow"). Must not block.</summary>
    public IPredictionSink? PredictionLog { get; init; }

    /// <summary>Told about exceptions that became a 500 (server bugs); the request gets a JSON error either way.</summary>
    public Action<Exception>? OnServerError { get; init; }

    /// <summary>An IP address; loopback unless the caller deliberately opens another interface.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 = an ephemeral port chosen by the OS (see <see cref="ModelServer.Url"/>).</summary>
    public int Port { get; init; } = 5000;

    /// <summary>When set, every route but /health needs <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    public string? Token { get; init; }

    /// <summary>Request bodies above this are refused with a 400 (REQUEST_TOO_LARGE) before they are read into memory.</summary>
    public long MaxBodyBytes { get; init; } = 4 * 1024 * 1024;
}
