namespace MlOps.Notebooks;

/// <summary>
/// The result of <see cref="NotebookRunner.RunAsync"/>. Mirrors the `mlops run --json` contract:
/// notebook, status, output, cells, failedCell, error. <see cref="StartupSeconds"/> is the time to
/// create the kernel and load extensions, <see cref="FirstCellSeconds"/> the time from the call to
/// the end of the first code cell (the cold-start figure).
/// </summary>
public sealed record NotebookRunResult(
    string Notebook,
    NotebookStatus Status,
    string Output,
    IReadOnlyList<CellResult> Cells,
    int? FailedCell,
    string? Error,
    double StartupSeconds,
    double? FirstCellSeconds,
    double TotalSeconds);
