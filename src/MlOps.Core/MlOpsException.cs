namespace MlOps;

/// <summary>
/// A failure the user can act on: the message names the problem and the fix in one paragraph.
/// Everything the engine throws on purpose is one of these; anything else is a bug.
/// </summary>
public class MlOpsException : Exception
{
    public MlOpsException(string message) : base(message) { }
    public MlOpsException(string message, Exception inner) : base(message, inner) { }
}
