using MlOps.Registry;
using MlOps.Tracking;

namespace MlOps.Serving;

/// <summary>What a deployment follows: a model's stage (Production by default) or alias. A fixed version is never followed.</summary>
public sealed record DeploymentSelector(string Model, string? Stage = null, string? Alias = null)
{
    public ModelVersion Resolve(ModelRegistry registry) => ServedVersion.Resolve(registry, Model, Stage, Alias);

    public override string ToString() => Alias is not null ? $"'{Model}' alias {Alias}" : $"'{Model}' {Stage ?? "Production"}";
}

/// <summary>What a <see cref="DeploymentWatch"/> did: switched to <see cref="Version"/>, or failed to and kept serving the previous one.</summary>
public sealed record DeploymentChange(ModelVersion Version, ModelVersion Previous, string? Error = null)
{
    public bool Swapped => Error is null;
}

public sealed record DeploymentWatchOptions
{
    /// <summary>How often the store is asked (promotions made by other processes publish no in-process event). Infinite = events only.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    public ScorerOptions ScorerOptions { get; init; } = new();

    /// <summary>Called after each swap and after each failed attempt (once per failing version, not every poll).</summary>
    public Action<DeploymentChange>? OnChange { get; init; }
}

/// <summary>
/// Keeps a deployment on its selector: when the stage or alias resolves to another version (a promotion or rollback
/// in this process, heard on the registry's event hub, or in another process, seen by polling the store), loads that
/// version (hash verified) and hands it to <c>swap</c>. A version that fails to load or warm is reported and the
/// current one keeps serving. Web-free: the server supplies <c>swap</c>.
/// </summary>
public sealed class DeploymentWatch : IAsyncDisposable
{
    private readonly ModelRegistry _registry;
    private readonly IArtifactStore _artifacts;
    private readonly Func<ModelScorer, Task> _swap;
    private readonly DeploymentWatchOptions _options;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _checking = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly IDisposable _subscription;
    private readonly Task _loop;
    private ModelVersion _serving;
    private string? _reportedFailure;

    /// <param name="serving">The version being served now.</param>
    /// <param name="swap">Switch the deployment to a loaded scorer (it takes ownership); throws to refuse it.</param>
    public DeploymentWatch(ModelRegistry registry, IArtifactStore artifacts, DeploymentSelector selector, ModelVersion serving,
        Func<ModelScorer, Task> swap, DeploymentWatchOptions? options = null)
    {
        _registry = registry;
        _artifacts = artifacts;
        Selector = selector;
        _serving = serving;
        _swap = swap;
        _options = options ?? new DeploymentWatchOptions();
        // Handlers run on the promoting thread: only wake the loop, never load a model there.
        _subscription = registry.Events.Subscribe(e => { if (e.Model == selector.Model) _wake.Release(); });
        _loop = Task.Run(RunAsync);
    }

    public DeploymentSelector Selector { get; }

    /// <summary>The version this watch last switched to (or started with).</summary>
    public ModelVersion Serving => Volatile.Read(ref _serving);

    /// <summary>The last failure to resolve, load or swap, if any (cleared by a successful check).</summary>
    public string? LastError { get; private set; }

    /// <summary>Resolve the selector now and switch if it names another version; null when nothing changed.</summary>
    public async Task<DeploymentChange?> CheckAsync(CancellationToken cancel = default)
    {
        await _checking.WaitAsync(cancel);
        try
        {
            var previous = _serving;
            ModelVersion target;
            try
            {
                target = Selector.Resolve(_registry);
            }
            catch (MlOpsException e)
            {
                // E.g. the Production version was archived with no successor: keep serving what we have.
                LastError = $"{Selector} no longer resolves ({e.Message}); still serving v{previous.Version}.";
                return null;
            }
            if (target.Version == previous.Version && target.Artifact.Sha256 == previous.Artifact.Sha256)
            {
                LastError = null;
                return null;
            }
            ModelScorer? next = null;
            try
            {
                next = await Task.Run(() => ModelScorer.Load(target, _artifacts, _options.ScorerOptions), cancel);
                await _swap(next);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
            {
                next?.Dispose();
                LastError = $"Could not switch to '{target.Model}' v{target.Version}: {e.Message} Still serving v{previous.Version}.";
                var key = $"{target.Version}:{target.Artifact.Sha256}";
                if (key == _reportedFailure)
                    return null;
                _reportedFailure = key;
                var failed = new DeploymentChange(target, previous, LastError);
                _options.OnChange?.Invoke(failed);
                return failed;
            }
            Volatile.Write(ref _serving, target);
            LastError = null;
            _reportedFailure = null;
            var change = new DeploymentChange(target, previous);
            _options.OnChange?.Invoke(change);
            return change;
        }
        finally
        {
            _checking.Release();
        }
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(_options.PollInterval, token);
                while (_wake.CurrentCount > 0)
                    _wake.Wait(0); // several events in a row need one check
                await CheckAsync(token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A store hiccup (locked file, transient I/O) must not end the watch; the next poll retries.
                LastError = e.Message;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
