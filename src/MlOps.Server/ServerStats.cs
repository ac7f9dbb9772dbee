using System.Diagnostics;

namespace MlOps.Server;

/// <summary>What GET /metrics and the deployments view show: counts since start, latency percentiles, the version served.</summary>
public sealed record ServerStatsSnapshot
{
    public required DateTimeOffset StartedAt { get; init; }
    public required string Model { get; init; }
    public required int Version { get; init; }
    public required string Sha256 { get; init; }
    /// <summary>POST /invocations requests answered (any status) or abandoned by their client.</summary>
    public long Requests { get; init; }
    public long Status2xx { get; init; }
    public long Status4xx { get; init; }
    public long Status5xx { get; init; }
    /// <summary>Requests whose client went away before the answer.</summary>
    public long Aborted { get; init; }
    public double P50Ms { get; init; }
    public double P95Ms { get; init; }
    public double P99Ms { get; init; }
    public long Swaps { get; init; }
    public int? ShadowVersion { get; init; }
    public long ShadowScored { get; init; }
    public long ShadowDropped { get; init; }
    public long ShadowFailed { get; init; }
    /// <summary>Calls to the prediction log that threw (the answer was sent regardless).</summary>
    public long PredictionLogFailures { get; init; }
    /// <summary>Rows the prediction log has stored (served and shadow); 0 without a <see cref="MlOps.Serving.PredictionLogger"/>.</summary>
    public long PredictionLogWritten { get; init; }
    /// <summary>Rows the prediction log dropped because its writer had fallen behind by its whole capacity, or whose write failed for good.</summary>
    public long PredictionLogDropped { get; init; }
}

/// <summary>Lock-free request counters and a latency histogram: O(1) per request, fixed memory.</summary>
internal sealed class ServerStats
{
    private long _requests, _ok, _client, _server, _aborted, _swaps, _logFailures;
    private readonly LatencyHistogram _latency = new();

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public void Record(int status, long startTimestamp, bool aborted)
    {
        Interlocked.Increment(ref _requests);
        if (aborted)
            Interlocked.Increment(ref _aborted);
        else if (status >= 500)
            Interlocked.Increment(ref _server);
        else if (status >= 400)
            Interlocked.Increment(ref _client);
        else
            Interlocked.Increment(ref _ok);
        _latency.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);
    }

    public void Swapped() => Interlocked.Increment(ref _swaps);

    public void PredictionLogFailed() => Interlocked.Increment(ref _logFailures);

    public ServerStatsSnapshot Snapshot(MlOps.Serving.ModelScorer current, ShadowScoring? shadow, MlOps.Serving.PredictionLogger? log) => new()
    {
        StartedAt = StartedAt,
        Model = current.Version.Model,
        Version = current.Version.Version,
        Sha256 = current.Sha256,
        Requests = Interlocked.Read(ref _requests),
        Status2xx = Interlocked.Read(ref _ok),
        Status4xx = Interlocked.Read(ref _client),
        Status5xx = Interlocked.Read(ref _server),
        Aborted = Interlocked.Read(ref _aborted),
        P50Ms = _latency.Percentile(0.50),
        P95Ms = _latency.Percentile(0.95),
        P99Ms = _latency.Percentile(0.99),
        Swaps = Interlocked.Read(ref _swaps),
        ShadowVersion = shadow?.Version,
        ShadowScored = shadow?.Scored ?? 0,
        ShadowDropped = shadow?.Dropped ?? 0,
        ShadowFailed = shadow?.Failed ?? 0,
        PredictionLogFailures = Interlocked.Read(ref _logFailures),
        PredictionLogWritten = log?.Written ?? 0,
        PredictionLogDropped = (log?.Dropped ?? 0) + (log?.Failed ?? 0),
    };
}

/// <summary>
/// HDR-like histogram: bucket i counts latencies in [Growth^i, Growth^(i+1)) microseconds, so any percentile is
/// within ~5% of the truth over the whole life of the server, from 1 µs to ~5 minutes, at one increment per request.
/// </summary>
internal sealed class LatencyHistogram
{
    private const double Growth = 1.05;
    private const int Buckets = 420;
    private static readonly double LogGrowth = Math.Log(Growth);
    private readonly long[] _counts = new long[Buckets];

    public void Record(double milliseconds)
    {
        var micros = Math.Max(1.0, milliseconds * 1000);
        Interlocked.Increment(ref _counts[Math.Min(Buckets - 1, (int)(Math.Log(micros) / LogGrowth))]);
    }

    /// <summary>The quantile <paramref name="q"/> in ms (geometric middle of its bucket); 0 before any request.</summary>
    public double Percentile(double q)
    {
        var counts = new long[Buckets];
        for (var i = 0; i < Buckets; i++)
            counts[i] = Interlocked.Read(ref _counts[i]);
        var total = counts.Sum();
        if (total == 0)
            return 0;
        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < Buckets; i++)
        {
            seen += counts[i];
            if (seen >= rank)
                return Math.Round(Math.Pow(Growth, i + 0.5) / 1000, 3);
        }
        return Math.Round(Math.Pow(Growth, Buckets) / 1000, 3);
    }
}
