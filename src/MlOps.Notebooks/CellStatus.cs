namespace MlOps.Notebooks;

/// <summary>What happened to one code cell in a headless run.</summary>
public enum CellStatus
{
    Succeeded,
    Failed,
    /// <summary>Not run because an earlier cell failed.</summary>
    Skipped,
}
