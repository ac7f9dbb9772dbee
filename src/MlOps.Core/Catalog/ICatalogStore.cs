namespace MlOps.Catalog;

/// <summary>
/// Where catalog records live. Append-only by construction: there is no update or delete, so no surface can rewrite
/// history; the LiteDB file by default, a team database later.
/// </summary>
public interface ICatalogStore
{
    /// <summary>Append a record; refuses an id that is already stored (a record is never replaced).</summary>
    void AppendRecord(CatalogRecord record);

    /// <summary>Oldest first; one model's records or every record.</summary>
    IReadOnlyList<CatalogRecord> ReadRecords(string? model = null);
}
