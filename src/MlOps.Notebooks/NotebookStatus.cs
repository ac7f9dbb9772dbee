namespace MlOps.Notebooks;

/// <summary>Outcome of a whole headless run: succeeded only when every code cell succeeded.</summary>
public enum NotebookStatus
{
    Succeeded,
    Failed,
}
