namespace MlOps.Notebooks;

/// <summary>
/// Live progress of a headless run, reported once when a code cell starts (Status null) and once when
/// it ends. <see cref="Number"/> is 1-based among code cells and <see cref="Count"/> is the number of
/// code cells, so a console can print "cell 3/7".
/// </summary>
public sealed record CellProgress(
    int Index,
    int Number,
    int Count,
    CellStatus? Status,
    double Seconds,
    string? Error);
