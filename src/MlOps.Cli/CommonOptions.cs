using System.CommandLine;
using System.Text.Json.Nodes;

namespace MlOps.Cli;

/// <summary>Options every verb shares.</summary>
internal static class CommonOptions
{
    public static readonly Option<string?> Store = new("--store")
    {
        Description = "Store location: a folder (embedded LiteDB) or a postgres://user@host:5432/db URL (default: $MLOPS_STORE, else store in mlops.yaml, else .mlops in the working directory).",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print one JSON object on stdout (for scripts) instead of tables.",
        Recursive = true,
    };

    /// <summary>An engine error as every verb reports it: one line on stderr, {"error"} on stdout with --json, exit code 1.</summary>
    public static int Fail(ParseResult parse, TextWriter output, TextWriter error, Exception e)
    {
        error.WriteLine($"error: {e.Message}");
        if (parse.GetValue(Json))
            output.WriteLine(JsonShapes.Write(new JsonObject { ["error"] = e.Message }));
        return 1;
    }
}
