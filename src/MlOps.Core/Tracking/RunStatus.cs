namespace MlOps.Tracking;

/// <summary>A run is Running until it ends as Finished or Failed; a failed run is never reported as finished.</summary>
public enum RunStatus
{
    Running,
    Finished,
    Failed,
}
