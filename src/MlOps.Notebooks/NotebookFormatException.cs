namespace MlOps.Notebooks;

/// <summary>The input notebook cannot be read, or the run's inputs do not fit it (e.g. parameters without a parameters cell).</summary>
public sealed class NotebookFormatException(string message, Exception? inner = null) : Exception(message, inner);
