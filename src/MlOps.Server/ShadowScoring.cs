using System.Threading.Channels;
using MlOps.Serving;

namespace MlOps.Server;

/// <summary>
/// A challenger scored beside the served model, off the request path: requests offer their validated input to a
/// bounded queue (dropped and counted when full, so a slow shadow never slows answers) and one background task
/// scores it and hands the predictions to the prediction log as source "shadow". Shadow failures are only counted.
/// </summary>
internal sealed class ShadowScoring : IAsyncDisposable
{
    private readonly ModelScorer _shadow;
    private readonly IPredictionSink? _sink;
    private readonly Channel<ScoringInput> _queue;
    private readonly Task _loop;
    private long _scored, _dropped, _failed;

    public ShadowScoring(ModelScorer shadow, IPredictionSink? sink, int capacity)
    {
        _shadow = shadow;
        _sink = sink;
        _queue = Channel.CreateBounded<ScoringInput>(new BoundedChannelOptions(Math.Max(1, capacity)) { SingleReader = true });
        _loop = Task.Run(RunAsync);
    }

    public int Version => _shadow.Version.Version;
    public long Scored => Interlocked.Read(ref _scored);
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Failed => Interlocked.Read(ref _failed);

    public void Offer(ScoringInput input)
    {
        if (!_queue.Writer.TryWrite(input))
            Interlocked.Increment(ref _dropped);
    }

    private async Task RunAsync()
    {
        await foreach (var input in _queue.Reader.ReadAllAsync())
        {
            IReadOnlyList<Prediction> predictions;
            try
            {
                predictions = _shadow.Score(input);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _failed);
                continue;
            }
            Interlocked.Increment(ref _scored);
            try { _sink?.Log(_shadow.Version, input, predictions, "shadow"); }
            catch (Exception) { Interlocked.Increment(ref _failed); }
        }
    }

    /// <summary>Stop taking input and score what is queued.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }
}
