namespace MlOps.Tracking;

/// <summary>One pipeline stage as it ran inside a run: its cache key, whether it was reused, how long it took.</summary>
public sealed record StageRecord(string Name, string Key, bool Cached, double Seconds);
