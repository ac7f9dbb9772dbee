using System.Text.Json.Nodes;
using MlOps.Serving;
using MlOps.Tracking;
using MlOps.Training;

namespace MlOps.Server;

/// <summary>
/// GET /openapi.json: an OpenAPI 3.0 description built from the served version's signature and task, so that it
/// follows a hot swap. Written by hand (no package): the three MLflow request formats, the task's prediction
/// shape, the MLflow error shape, and bearerAuth when the server has a token.
/// </summary>
internal static class OpenApiDocument
{
    public static JsonObject Build(ModelScorer scorer, bool token)
    {
        var v = scorer.Version;
        var names = scorer.Signature.Select(c => c.Name).ToList();
        var cell = new JsonObject { ["oneOf"] = Array(Obj(("type", "number")), Obj(("type", "string"))), ["nullable"] = true };
        var row = new JsonObject
        {
            ["type"] = "object",
            ["description"] = "One row: signature column -> value (null or absent = missing).",
            ["properties"] = new JsonObject(scorer.Signature.Select(c => KeyValuePair.Create(c.Name, (JsonNode?)Column(c)))),
            ["required"] = Array([.. names.Select(n => (JsonNode?)n)]),
            ["additionalProperties"] = scorer.Options.AllowExtraColumns,
        };
        var positional = new JsonObject
        {
            ["type"] = "array",
            ["description"] = "One row as values in signature order: " + string.Join(", ", names) + ".",
            ["items"] = cell.DeepClone(),
            ["minItems"] = names.Count,
            ["maxItems"] = names.Count,
        };
        var schemas = new JsonObject
        {
            ["Row"] = row,
            ["DataframeSplit"] = Wrapper("dataframe_split", new JsonObject
            {
                ["type"] = "object",
                ["required"] = Array("columns", "data"),
                ["properties"] = new JsonObject
                {
                    ["columns"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" }, ["example"] = Array([.. names.Select(n => (JsonNode?)n)]) },
                    ["data"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "array", ["items"] = cell.DeepClone() } },
                },
            }),
            ["DataframeRecords"] = Wrapper("dataframe_records", new JsonObject { ["type"] = "array", ["items"] = Ref("Row") }),
            ["Instances"] = Wrapper("instances", new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["oneOf"] = Array(Ref("Row"), positional) } }),
            ["Prediction"] = Prediction(scorer.Task),
            ["Predictions"] = new JsonObject
            {
                ["type"] = "object",
                ["required"] = Array("predictions"),
                ["properties"] = new JsonObject { ["predictions"] = new JsonObject { ["type"] = "array", ["items"] = Ref("Prediction") } },
            },
            ["Error"] = new JsonObject
            {
                ["type"] = "object",
                ["required"] = Array("error_code", "message"),
                ["properties"] = new JsonObject { ["error_code"] = Obj(("type", "string")), ["message"] = Obj(("type", "string")) },
            },
        };
        var components = new JsonObject { ["schemas"] = schemas };
        var document = new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject
            {
                ["title"] = $"{v.Model} v{v.Version}",
                ["version"] = v.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["description"] = $"Model server for '{v.Model}' v{v.Version} ({scorer.Task.ToName()}, sha256 {scorer.Sha256}).",
            },
            ["paths"] = new JsonObject
            {
                ["/invocations"] = new JsonObject { ["post"] = Invocations() },
                ["/health"] = new JsonObject
                {
                    ["get"] = new JsonObject
                    {
                        ["summary"] = "Liveness: 200 \"ok\" while a model is loaded. Never needs the token.",
                        ["security"] = new JsonArray(),
                        ["responses"] = new JsonObject
                        {
                            ["200"] = new JsonObject { ["description"] = "ok", ["content"] = new JsonObject { ["text/plain"] = new JsonObject { ["schema"] = Obj(("type", "string")) } } },
                            ["503"] = Obj(("description", "stopping")),
                        },
                    },
                },
                ["/version"] = Get("The served model, version, stage, task, run, sha256 and signature."),
                ["/metrics"] = Get("Request counts, error counts by status class, latency percentiles, swaps and shadow counts."),
                ["/openapi.json"] = Get("This document."),
            },
            ["components"] = components,
        };
        if (token)
        {
            components["securitySchemes"] = new JsonObject { ["bearerAuth"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer" } };
            document["security"] = Array(new JsonObject { ["bearerAuth"] = new JsonArray() });
        }
        return document;
    }

    private static JsonObject Column(SchemaColumn c) => c.Type == "number"
        ? new JsonObject { ["type"] = "number", ["nullable"] = true }
        : new JsonObject { ["type"] = "string", ["nullable"] = true, ["description"] = "A category, as text." };

    private static JsonObject Prediction(MlTask task)
    {
        var (label, more) = task switch
        {
            MlTask.Binary => (Obj(("type", "boolean")), new JsonObject
            {
                ["score"] = Obj(("type", "number"), ("description", "raw score")),
                ["probability"] = Obj(("type", "number"), ("description", "calibrated probability of true")),
            }),
            MlTask.Multiclass => (Obj(("type", "string")), new JsonObject
            {
                ["scores"] = new JsonObject { ["type"] = "object", ["description"] = "class -> score", ["additionalProperties"] = Obj(("type", "number")) },
            }),
            _ => (Obj(("type", "number")), new JsonObject { ["score"] = Obj(("type", "number")) }),
        };
        more.Insert(0, "label", label);
        return new JsonObject { ["type"] = "object", ["required"] = Array([.. more.Select(p => (JsonNode?)p.Key)]), ["properties"] = more };
    }

    private static JsonObject Invocations() => new()
    {
        ["summary"] = "Score rows (MLflow scoring formats).",
        ["operationId"] = "invocations",
        ["requestBody"] = new JsonObject
        {
            ["required"] = true,
            ["content"] = new JsonObject
            {
                ["application/json"] = new JsonObject
                {
                    ["schema"] = new JsonObject { ["oneOf"] = Array(Ref("DataframeSplit"), Ref("DataframeRecords"), Ref("Instances")) },
                },
            },
        },
        ["responses"] = new JsonObject
        {
            ["200"] = new JsonObject
            {
                ["description"] = "One prediction per row, in order.",
                ["headers"] = new JsonObject { ["X-Model-Version"] = new JsonObject { ["description"] = "The version that answered.", ["schema"] = Obj(("type", "integer")) } },
                ["content"] = Json(Ref("Predictions")),
            },
            ["400"] = ErrorResponse("Missing column, wrong type, extra column (strict server), body too large or malformed JSON."),
            ["401"] = ErrorResponse("Missing or wrong bearer token."),
            ["500"] = ErrorResponse("A server bug (logged)."),
        },
    };

    private static JsonObject Get(string summary) => new()
    {
        ["get"] = new JsonObject
        {
            ["summary"] = summary,
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject { ["description"] = "ok", ["content"] = Json(Obj(("type", "object"))) },
                ["401"] = ErrorResponse("Missing or wrong bearer token."),
            },
        },
    };

    private static JsonObject ErrorResponse(string description) => new() { ["description"] = description, ["content"] = Json(Ref("Error")) };

    private static JsonObject Json(JsonNode schema) => new() { ["application/json"] = new JsonObject { ["schema"] = schema } };

    private static JsonObject Wrapper(string key, JsonNode value) => new()
    {
        ["type"] = "object",
        ["required"] = Array(key),
        ["properties"] = new JsonObject { [key] = value },
    };

    private static JsonObject Ref(string schema) => new() { ["$ref"] = "#/components/schemas/" + schema };

    private static JsonObject Obj(params (string Key, string Value)[] properties) =>
        new(properties.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));

    private static JsonArray Array(params JsonNode?[] items) => new(items);
}
