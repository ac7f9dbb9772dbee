using MlOps.Catalog;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Server;

/// <summary>What to serve and how: the options of `mlops deploy serve` / `#!deploy serve`, surface-neutral.</summary>
public sealed record DeploymentRequest
{
    public required string Model { get; init; }

    public string? Stage { get; init; }

    public string? Alias { get; init; }

    /// <summary>A fixed version: pinned, never followed.</summary>
    public int? Version { get; init; }

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 5000;

    public string? Token { get; init; }

    public long MaxBodyBytes { get; init; } = 4 * 1024 * 1024;

    public bool RefuseExtraColumns { get; init; }

    /// <summary>Switch when the stage or alias moves (promotion, rollback); ignored for a fixed version.</summary>
    public bool Follow { get; init; } = true;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    public int? ShadowVersion { get; init; }

    public string? ShadowAlias { get; init; }

    /// <summary>"cli", "notebook" or "package": recorded with the deployment.</summary>
    public string Source { get; init; } = "cli";

    /// <summary>Share of served rows (0..1) written to the store's prediction log (served and shadow predictions); 0 = none.</summary>
    public double LogSampleRate { get; init; } = 1.0;

    /// <summary>
    /// Opens the company catalog, where the deployment is recorded (the catalog is opened only for that write and
    /// closed again). Null: not recorded. A failed catalog write is a warning through <see cref="OnMessage"/>.
    /// </summary>
    public Func<ICatalogStore>? Catalog { get; init; }

    /// <summary>Swaps and warnings from the watch, and server errors, as one line each (called from background threads).</summary>
    public Action<string>? OnMessage { get; init; }

    public bool Follows => Follow && Version is null;
}

/// <summary>
/// A running deployment: the server, the watch that keeps it on its stage or alias, an optional shadow, and its
/// record in the store (written at start, closed at stop). Shared by the CLI and the notebook so both behave alike.
/// </summary>
public sealed class ModelDeployment : IAsyncDisposable
{
    private readonly IRunStore _store;
    private readonly bool _ownsStore;
    private readonly ModelScorer? _shadow;
    private readonly PredictionLogger? _log;

    private ModelDeployment(IRunStore store, bool ownsStore, ModelServer server, DeploymentWatch? watch, ModelScorer? shadow, PredictionLogger? log, Deployment record)
    {
        (_store, _ownsStore, Server, Watch, _shadow, _log, Record) = (store, ownsStore, server, watch, shadow, log, record);
    }

    /// <summary>The prediction log's counters (logged, written, dropped, failed), when logging is on.</summary>
    public PredictionLogger? PredictionLog => _log;

    public ModelServer Server { get; }

    public DeploymentWatch? Watch { get; }

    public Deployment Record { get; private set; }

    public string Url => Server.Url;

    /// <summary>Resolve, load (hash verified), serve, follow, record. <paramref name="ownsStore"/>: dispose the store when the deployment stops.</summary>
    public static async Task<ModelDeployment> StartAsync(IRunStore store, DeploymentRequest request, bool ownsStore = false)
    {
        if (request.Follows && (request.PollInterval <= TimeSpan.Zero || request.PollInterval > TimeSpan.FromDays(1)))
            throw new MlOpsException($"--poll-seconds must be above 0 and at most 86400, not {request.PollInterval.TotalSeconds}.");
        if (request.ShadowVersion is not null && request.ShadowAlias is not null)
            throw new MlOpsException("Choose the shadow with one of --shadow-version or --shadow-alias, not both.");
        var registry = ModelRegistry.Over(store);
        var scorerOptions = new ScorerOptions { AllowExtraColumns = !request.RefuseExtraColumns };
        if (request.LogSampleRate is < 0 or > 1 || double.IsNaN(request.LogSampleRate))
            throw new MlOpsException($"--log-sample-rate is a share between 0 and 1, not {request.LogSampleRate}.");
        ModelScorer? scorer = null, shadow = null;
        ModelServer? server = null;
        // Served and shadow predictions go to the store's prediction log for monitoring, off the request path.
        var log = request.LogSampleRate > 0 && store is IPredictionLogStore logStore
            ? new PredictionLogger(logStore, new PredictionLoggerOptions { SampleRate = request.LogSampleRate })
            : null;
        try
        {
            var chosen = ServedVersion.Resolve(registry, request.Model, request.Stage, request.Alias, request.Version);
            scorer = ModelScorer.Load(chosen, store.Artifacts, scorerOptions);
            if (request.ShadowVersion is not null || request.ShadowAlias is not null)
                shadow = ModelScorer.Load(ServedVersion.Resolve(registry, request.Model, null, request.ShadowAlias, request.ShadowVersion), store.Artifacts, scorerOptions);
            server = await ModelServer.StartAsync(new ModelServerOptions
            {
                Scorer = scorer, Shadow = shadow, Host = request.Host, Port = request.Port, Token = string.IsNullOrEmpty(request.Token) ? null : request.Token,
                MaxBodyBytes = request.MaxBodyBytes, PredictionLog = log,
                OnServerError = e => request.OnMessage?.Invoke($"error: a request failed inside the server: {e}"),
            });
            var started = server;
            var watch = request.Follows
                ? new DeploymentWatch(registry, store.Artifacts, new DeploymentSelector(request.Model, request.Stage, request.Alias), chosen, next => started.SwapAsync(next),
                    new DeploymentWatchOptions
                    {
                        PollInterval = request.PollInterval, ScorerOptions = scorerOptions,
                        OnChange = change => request.OnMessage?.Invoke(change.Swapped
                            ? $"Swapped to '{change.Version.Model}' v{change.Version.Version} (sha256 {change.Version.Artifact.Sha256[..12]}), was v{change.Previous.Version}"
                            : $"warning: {change.Error}"),
                    })
                : null;
            var record = new Deployment
            {
                Id = Deployment.NewId(), Model = chosen.Model, Version = chosen.Version, Url = server.Url, Source = request.Source,
                Selector = request.Version is { } n ? $"v{n}" : request.Alias is { } a ? "@" + a : request.Stage ?? nameof(ModelStage.Production),
                ShadowVersion = shadow?.Version.Version,
            };
            (store as IDeploymentStore)?.SaveDeployment(record);
            RecordInCatalog(request, record, CatalogFeed.ProjectOf(store));
            return new ModelDeployment(store, ownsStore, server, watch, shadow, log, record);
        }
        catch
        {
            if (server is not null) await server.DisposeAsync();
            if (log is not null) await log.DisposeAsync();
            scorer?.Dispose();
            shadow?.Dispose();
            if (ownsStore) store.Dispose();
            throw;
        }
    }

    private static void RecordInCatalog(DeploymentRequest request, Deployment record, string project)
    {
        if (request.Catalog is null)
            return;
        try
        {
            var catalog = request.Catalog();
            try
            {
                new ModelCatalog(catalog).Append(ModelCatalog.Deployed(record, project));
            }
            finally
            {
                (catalog as IDisposable)?.Dispose();
            }
        }
        catch (Exception e) when (e is MlOpsException or IOException)
        {
            // The server runs either way; the catalog only misses this deployment.
            request.OnMessage?.Invoke($"warning: the model catalog was not updated ({e.Message}).");
        }
    }

    /// <summary>A curl line for this deployment; the token is read from <paramref name="tokenVariable"/> rather than printed.</summary>
    public string SampleCurl(string? tokenVariable) => SampleRequest.Curl(Server.Scorer.Signature, Url, tokenVariable);

    /// <summary>Stop following, stop serving (in-flight requests finish), release the models, record the stop.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Watch is not null) await Watch.DisposeAsync();
        var current = Server.Scorer;
        await Server.DisposeAsync();
        // Orderly shutdown: every queued prediction is written before the store closes.
        if (_log is not null) await _log.DisposeAsync();
        current.Dispose();
        _shadow?.Dispose();
        Record = Record with { StoppedAt = DateTimeOffset.UtcNow, Version = current.Version.Version };
        try
        {
            (_store as IDeploymentStore)?.SaveDeployment(Record);
        }
        finally
        {
            if (_ownsStore) _store.Dispose();
        }
    }
}
