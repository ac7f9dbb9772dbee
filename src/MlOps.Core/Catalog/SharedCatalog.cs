namespace MlOps.Catalog;

/// <summary>
/// One open catalog store seen by several writers of a command (the registry's feed, the monitoring journal) without
/// any of them closing it for the others: the command that opened it disposes it.
/// </summary>
public sealed class SharedCatalog(ICatalogStore inner) : ICatalogStore
{
    public void AppendRecord(CatalogRecord record) => inner.AppendRecord(record);

    public IReadOnlyList<CatalogRecord> ReadRecords(string? model = null) => inner.ReadRecords(model);
}
