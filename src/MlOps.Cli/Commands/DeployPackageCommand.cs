using System.CommandLine;
using System.Text.Json.Nodes;
using MlOps.Onnx;
using MlOps.Packaging;
using MlOps.Registry;
using MlOps.Serving;

namespace MlOps.Cli.Commands;

/// <summary>
/// `mlops deploy package --model &lt;name&gt; [--stage|--alias|--version] --out &lt;dir&gt; [--force] [--no-onnx]`: a folder that
/// serves the version with only the .NET runtime (model, featurizer, checked ONNX export, this app, scripts, Dockerfile, manifest).
/// </summary>
internal static class DeployPackageCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var stage = new Option<string?>("--stage") { Description = "Package the version in this stage: Production (default) or Staging." };
        var alias = new Option<string?>("--alias") { Description = "Package the version with this alias (e.g. champion)." };
        var version = new Option<int?>("--version") { Description = "Package this version number." };
        var outDir = new Option<string>("--out") { Description = "The folder to write (new or empty; see --force).", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace an earlier package in --out." };
        var noOnnx = new Option<bool>("--no-onnx") { Description = "Skip the ONNX export and its check." };
        var command = new Command("package", "Write a self-contained folder that serves a registered version with only the .NET runtime (no store needed).")
        {
            RegistryCli.Model, stage, alias, version, outDir, force, noOnnx, CommonOptions.Store, CommonOptions.Json,
        };
        command.SetAction(parse => RegistryCli.Guarded(parse, output, error, (store, registry) =>
        {
            var chosen = ServedVersion.Resolve(registry, parse.GetValue(RegistryCli.Model)!, parse.GetValue(stage), parse.GetValue(alias), parse.GetValue(version));
            var package = ModelPackage.Write(new PackageRequest
            {
                Version = chosen,
                Runs = store,
                Output = parse.GetValue(outDir)!,
                Force = parse.GetValue(force),
                // The running CLI's own folder holds the server and everything it loads.
                AppDirectory = Path.GetDirectoryName(typeof(DeployPackageCommand).Assembly.Location)!,
                Onnx = parse.GetValue(noOnnx) ? null : new OnnxExporter(),
            });
            Render(package, parse.GetValue(CommonOptions.Json), output, error);
            return 0;
        }));
        return command;
    }

    private static void Render(WrittenPackage package, bool json, TextWriter output, TextWriter error)
    {
        var m = package.Manifest;
        var onnx = m.Onnx;
        if (json)
        {
            output.WriteLine(JsonShapes.Write(new JsonObject
            {
                ["model"] = m.Model, ["version"] = m.Version, ["stage"] = m.Stage, ["directory"] = package.Directory,
                ["files"] = m.Files.Count, ["bytes"] = package.Bytes, ["sha256sums"] = package.SumsSha256,
                ["onnx"] = new JsonObject
            {
                    ["exported"] = onnx.Exported, ["reason"] = onnx.Reason, ["tolerance"] = onnx.Tolerance,
                    ["maxDifference"] = onnx.MaxDifference, ["rowsChecked"] = onnx.RowsChecked, ["labelsEqual"] = onnx.LabelsEqual,
                },
                ["entryPoint"] = m.Runtime.EntryPoint,
            }));
            return;
        }
        output.WriteLine($"Packaged '{m.Model}' v{m.Version} ({m.Stage}, {m.Task}) into {package.Directory}: {m.Files.Count} files, {package.Bytes / (1024.0 * 1024):0.#} MB");
        if (onnx.Exported)
            output.WriteLine($"ONNX: {onnx.File}, matches ML.NET on {onnx.RowsChecked} held-out rows (max difference {onnx.MaxDifference:G3}, tolerance {onnx.Tolerance:G})");
        else
            error.WriteLine($"warning: no ONNX export: {onnx.Reason}");
        output.WriteLine($"Run it: {package.Directory}/serve.sh --port 5000   (needs {string.Join(", ", m.Runtime.Frameworks)})");
        output.WriteLine($"Verify it: sha256sum -c SHA256SUMS in the folder; SHA256SUMS itself has SHA-256 {package.SumsSha256}");
    }
}
