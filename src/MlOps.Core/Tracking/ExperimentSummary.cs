namespace MlOps.Tracking;

public sealed record ExperimentSummary(string Name, int Runs, DateTimeOffset LastRunAt);
