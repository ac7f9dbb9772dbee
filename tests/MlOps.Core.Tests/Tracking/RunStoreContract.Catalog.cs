using MlOps.Catalog;

namespace MlOps.Tests.Tracking;

/// <summary>What every backend must do with catalog records: append-only, read in append order, per model or all.</summary>
public abstract partial class RunStoreContract
{
    protected ICatalogStore Catalog => (ICatalogStore)Store;

    private static readonly DateTimeOffset CatalogT0 = new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);

    private static CatalogRecord Record(string model, string kind, int minutes, int? version = 1) => new()
    {
        Kind = kind, Model = model, Version = version, Project = "rankings-project", At = CatalogT0.AddMinutes(minutes), By = "alice",
        Summary = $"{kind} {model}",
    };

    /// <summary>As stored records come back: the same instant in UTC (offset 0).</summary>
    private static CatalogRecord Utc(CatalogRecord record) => record with { At = record.At.ToUniversalTime() };

    [Fact]
    public void Catalog_records_round_trip_every_field()
    {
        var record = Record("m", CatalogKinds.Promoted, 0) with
        {
            Facts = new Dictionary<string, string>
            {
                ["to"] = "Production", ["metric.auc"] = "0.91", ["gate.auc >= 0.95"] = "passed (0.96)", ["$odd key"] = "ü \"quoted\"", ["a"] = "",
            },
            Evidence = ["run 1234abcd", "gate smoke passed"],
            Corrects = "0123456789abcdef",
        };
        Catalog.AppendRecord(record);

        var read = Assert.Single(((ICatalogStore)OpenAgain()).ReadRecords("m"));
        AssertSame(Utc(record), read);
        Assert.Equal(record.At, read.At);
        Assert.Equal(TimeSpan.Zero, read.At.Offset);
        Assert.Equal(record.Facts.Keys, read.Facts.Keys);
        var minimal = Record("n", CatalogKinds.Described, 1, version: null);
        Catalog.AppendRecord(minimal);
        AssertSame(Utc(minimal), Assert.Single(Catalog.ReadRecords("n")));
    }

    [Fact]
    public void Catalog_records_come_back_in_append_order_per_model_or_all()
    {
        // Appended out of time order (events of several processes): the catalog keeps the order they arrived in.
        var records = new[]
        {
            Record("m", CatalogKinds.Registered, 10), Record("other", CatalogKinds.Registered, 0), Record("m", CatalogKinds.Promoted, 5),
            Record("m", CatalogKinds.Deployed, 20, version: 2), Record("other", CatalogKinds.Monitored, 1),
        };
        foreach (var record in records) Catalog.AppendRecord(record);

        var reopened = (ICatalogStore)OpenAgain();
        Assert.Equal(records.Select(r => r.Id), reopened.ReadRecords().Select(r => r.Id));
        Assert.Equal(records.Where(r => r.Model == "m").Select(r => r.Id), reopened.ReadRecords("m").Select(r => r.Id));
        Assert.Equal([CatalogKinds.Registered, CatalogKinds.Monitored], reopened.ReadRecords("other").Select(r => r.Kind));
        Assert.Empty(reopened.ReadRecords("M"));
        Assert.Empty(reopened.ReadRecords("nobody"));
    }

    [Fact]
    public void Catalog_records_are_append_only_and_a_correction_is_a_new_record()
    {
        var described = Record("m", CatalogKinds.Described, 0) with { Facts = new Dictionary<string, string> { ["owner"] = "bob" } };
        Catalog.AppendRecord(described);

        var error = Assert.Throws<MlOpsException>(() => Catalog.AppendRecord(described with { Facts = new Dictionary<string, string> { ["owner"] = "mallory" } }));
        Assert.Contains(described.Id, error.Message);
        Assert.Contains("never replaced", error.Message);

        var correction = Record("m", CatalogKinds.Correction, 1) with { Corrects = described.Id, Facts = new Dictionary<string, string> { ["owner"] = "carol" } };
        Catalog.AppendRecord(correction);
        var read = ((ICatalogStore)OpenAgain()).ReadRecords("m");
        Assert.Equal([described.Id, correction.Id], read.Select(r => r.Id));
        Assert.Equal("bob", read[0].Facts["owner"]);
        Assert.Equal(described.Id, read[1].Corrects);
    }
}
