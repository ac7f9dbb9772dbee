namespace MlOps.Pipeline;

/// <summary>A progress event: variant i of n entered or left a stage. Adapters render it (console line, notebook cell).</summary>
public sealed record RunProgress(int Variant, int Variants, string Trainer, string Stage, StageState State, TimeSpan Elapsed, string? Detail = null);

public enum StageState
{
    Started,
    Finished,
    Cached,
    Failed,
}
