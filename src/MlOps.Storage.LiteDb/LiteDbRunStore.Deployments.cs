using LiteDB;
using MlOps.Serving;

namespace MlOps.Storage.LiteDb;

/// <summary>Deployment records: one document per server start, replaced when it stops.</summary>
public sealed partial class LiteDbRunStore : IDeploymentStore
{
    private const string DeploymentsCollection = "deployments";

    public void SaveDeployment(Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var doc = new BsonDocument
        {
            ["_id"] = deployment.Id,
            ["model"] = deployment.Model,
            ["version"] = deployment.Version,
            ["url"] = deployment.Url,
            ["source"] = deployment.Source,
            ["machine"] = deployment.Machine,
            ["pid"] = deployment.ProcessId,
            ["started"] = deployment.StartedAt.UtcTicks,
            ["stopped"] = deployment.StoppedAt is { } s ? s.UtcTicks : BsonValue.Null,
            ["selector"] = deployment.Selector,
            ["shadow"] = deployment.ShadowVersion is { } v ? v : BsonValue.Null,
        };
        Write(db =>
        {
            var collection = db.GetCollection(DeploymentsCollection);
            collection.EnsureIndex("model", "$.model");
            collection.Upsert(doc);
        });
    }

    public IReadOnlyList<Deployment> ListDeployments(string? model = null) => Read(db =>
    {
        var collection = db.GetCollection(DeploymentsCollection);
        var docs = model is null ? collection.FindAll() : collection.Find(Query.EQ("model", model));
        return docs.Select(ToDeployment).OrderByDescending(d => d.StartedAt).ToList();
    });

    private static Deployment ToDeployment(BsonDocument d) => new()
    {
        Id = d["_id"].AsString,
        Model = d["model"].AsString,
        Version = d["version"].AsInt32,
        Url = d["url"].AsString,
        Source = d["source"].AsString,
        Machine = d["machine"].AsString,
        ProcessId = d["pid"].AsInt32,
        StartedAt = new DateTimeOffset(d["started"].AsInt64, TimeSpan.Zero),
        StoppedAt = d["stopped"].IsNull ? null : new DateTimeOffset(d["stopped"].AsInt64, TimeSpan.Zero),
        Selector = d["selector"].AsString,
        ShadowVersion = d["shadow"].IsNull ? null : d["shadow"].AsInt32,
    };
}
