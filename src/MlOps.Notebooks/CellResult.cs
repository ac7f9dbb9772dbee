namespace MlOps.Notebooks;

/// <summary>
/// One code cell of the executed notebook. <see cref="Index"/> is the cell's 0-based position in the
/// output notebook (markdown cells and an injected parameters cell count), so it points at what the
/// reader of the executed notebook sees.
/// </summary>
public sealed record CellResult(
    int Index,
    CellStatus Status,
    double Seconds,
    string Source,
    string? Error,
    bool Injected);
