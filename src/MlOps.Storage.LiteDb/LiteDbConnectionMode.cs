namespace MlOps.Storage.LiteDb;

/// <summary>How the store shares its file with other threads and processes (measured by the store benchmark).</summary>
internal enum LiteDbConnectionMode
{
    /// <summary>One LiteDB "shared" connection: every operation takes a cross-process mutex and opens the file.</summary>
    Shared,

    /// <summary>A short-lived exclusive "direct" connection per operation, retried while another process holds the file.</summary>
    Direct,
}
