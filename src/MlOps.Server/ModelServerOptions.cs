using MlOps.Serving;

namespace MlOps.Server;

public sealed record ModelServerOptions
{
    /// <summary>The loaded model to serve (the server does not own the registry; whoever starts it picks the version).</summary>
    public required ModelScorer Scorer { get; init; }

    /// <summary>An IP address; loopback unless the caller deliberately opens another interface.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 = an ephemeral port chosen by the OS (see <see cref="ModelServer.Url"/>).</summary>
    public int Port { get; init; } = 5000;

    /// <summary>When set, every route but /health needs <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    public string? Token { get; init; }

    /// <summary>Request bodies above this are refused with 413 before they are read into memory.</summary>
    public long MaxBodyBytes { get; init; } = 4 * 1024 * 1024;
}
