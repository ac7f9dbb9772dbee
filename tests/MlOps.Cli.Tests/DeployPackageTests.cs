using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlOps.Hashing;
using MlOps.Packaging;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Storage.LiteDb;

namespace MlOps.Cli.Tests;

/// <summary>
/// `mlops deploy package` on real models, and the package run as a stranger would: copied elsewhere, the store gone,
/// started with its Dockerfile's CMD, paths mapped to the copy. (The image is not built here: no Docker engine.)
/// </summary>
public sealed class DeployPackageTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private void TrainAndRegister(string model, string trainer, string? label = null)
    {
        var (exit, json, err) = _cli.Json(["experiment", "run", "--name", "package-" + trainer, "--params", CliHarness.ParamsFile,
            "--set", $"data.path={Path.Combine(CliHarness.Rankings, "cwurData.csv")}", "--set", "train.n_est=20", "--set", $"train.trainer={trainer}", "--quiet",
            .. label is null ? Array.Empty<string>() : ["--set", $"featurize.label={label}"]]);
        Assert.True(exit == 0, err);
        var run = json["runs"]!.AsArray().Single()!["id"]!.GetValue<string>();
        Assert.Equal(0, _cli.Run("register", "--run", run, "--model", model).Exit);
    }

    private (JsonObject Result, PackageManifest Manifest) Package(string model, string output)
    {
        var (exit, json, err) = _cli.Json("deploy", "package", "--model", model, "--version", "1", "--out", output);
        Assert.True(exit == 0, err + json.ToJsonString());
        var manifestPath = Path.Combine(output, ModelPackage.ManifestFile);
        return (json, PackageManifest.FromJson(File.ReadAllText(manifestPath), manifestPath));
    }

    private static void AssertOnnxChecked(PackageManifest manifest, string output)
    {
        Assert.True(manifest.Onnx.Exported, manifest.Onnx.Reason);
        Assert.True(File.Exists(Path.Combine(output, ModelPackage.OnnxFile)));
        Assert.Equal(ModelPackage.OnnxTolerance, manifest.Onnx.Tolerance);
        Assert.InRange(manifest.Onnx.MaxDifference!.Value, 0, manifest.Onnx.Tolerance);
        Assert.True(manifest.Onnx.LabelsEqual);
        Assert.InRange(manifest.Onnx.RowsChecked, 50, 200);
        Assert.False(string.IsNullOrEmpty(manifest.Onnx.OnnxRuntimeVersion));
    }

    /// <summary>A few raw rows, as a client sends them (the validation year's first rows of cwurData.csv).</summary>
    private static readonly string[] Columns = ["alumni_employment", "publications", "citations", "quality_of_education", "country", "national_rank"];

    private static readonly object?[][] Rows =
    [
        [1.0, 1.0, 1.0, 1.0, "USA", 1.0], [24.0, 3.0, 2.0, 3.0, "United Kingdom", 1.0], [478.0, 52.0, 101.0, 355.0, "France", 3.0],
        [567.0, 140.0, 216.0, 355.0, "Japan", 4.0], [null, 80.0, "90", 200.0, "Atlantis", 12.0],
    ];

    [Fact]
    public async Task A_FastForest_package_copied_elsewhere_serves_the_stores_predictions_without_the_store_and_stops_on_SIGTERM()
    {
        const string model = "pkg-forest";
        TrainAndRegister(model, "FastForest");
        var output = Path.Combine(_cli.Directory, "pkg");
        var (result, manifest) = Package(model, output);

        foreach (var file in new[] { ModelPackage.ModelFile, ModelPackage.FeaturizerFile, ModelPackage.SignatureFile, ModelPackage.OnnxFile,
                     "app/mlops.dll", "app/MlOps.Server.dll", "app/mlops.runtimeconfig.json", "serve.sh", "serve.cmd", "Dockerfile", "README.md" })
            Assert.Contains(manifest.Files, f => f.Path == file);
        Assert.DoesNotContain(manifest.Files, f => f.Path.Contains("MlOps.Cli.Tests") || f.Path.Contains("xunit"));
        foreach (var file in manifest.Files)
            Assert.Equal(file.Sha256, ContentHash.OfFile(Path.Combine(output, file.Path)).Hex);
        Assert.Equal(manifest.Files.Count, result["files"]!.GetValue<int>());
        AssertOnnxChecked(manifest, output);

        // What the store's own scorer answers, before the store is deleted.
        var input = new ScoringInput(Columns, Rows);
        IReadOnlyList<Prediction> expected;
        using (var store = LiteDbRunStore.Open(_cli.StorePath))
        using (var scorer = ModelScorer.Load(ModelRegistry.Over(store).Version(model, 1), store.Artifacts))
            expected = scorer.Score(input);
        var elsewhere = Directory.CreateTempSubdirectory("mlops-package-copy-").FullName;
        try
        {
            CopyTree(output, elsewhere);
            Directory.Delete(_cli.StorePath, recursive: true);
            Directory.Delete(output, recursive: true);
            await ServeAndCompare(elsewhere, expected);
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    /// <summary>
    /// The Dockerfile's CMD as the container would run it, but outside one (there is no Docker engine here): the
    /// image's /package (where COPY puts the folder) mapped to the copy, its 0.0.0.0 and port to loopback and a free port.
    /// </summary>
    private static string[] DockerCommand(string package)
    {
        var dockerfile = File.ReadAllLines(Path.Combine(package, "Dockerfile"));
        Assert.Contains("COPY . /package", dockerfile);
        string Instruction(string name) => dockerfile.Single(line => line.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..];
        var exposed = Instruction("EXPOSE");
        var command = JsonSerializer.Deserialize<string[]>(Instruction("CMD"))!;
        Assert.Equal("dotnet", command[0]);
        Assert.Contains(exposed, command); // the server listens on the port the image exposes
        return command[1..].Select(arg => arg == "0.0.0.0" ? "127.0.0.1" : arg == exposed ? "0" : arg.Replace("/package", package, StringComparison.Ordinal)).ToArray();
    }

    private static async Task ServeAndCompare(string package, IReadOnlyList<Prediction> expected)
    {
        var command = DockerCommand(package);
        using var server = new ServeProcess(command[0], command[1..]);
        var url = await server.UrlAsync();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var body = JsonSerializer.Serialize(new { dataframe_split = new { columns = Columns, data = Rows } });
        using var response = await client.PostAsync(url + "/invocations", new StringContent(body, Encoding.UTF8, "application/json"));
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, answer);
        var predictions = JsonNode.Parse(answer)!["predictions"]!.AsArray();
        Assert.Equal(expected.Count, predictions.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal((bool)expected[i].Label, predictions[i]!["label"]!.GetValue<bool>());
            Assert.Equal((float)expected[i].Score!.Value, predictions[i]!["score"]!.GetValue<float>());
            Assert.Equal((float)expected[i].Probability!.Value, predictions[i]!["probability"]!.GetValue<float>());
        }

        var (exit, err) = await server.TerminateAsync();
        Assert.True(exit == 0, err);
    }

    [Fact]
    public void A_tampered_model_file_is_refused_at_serve_start_with_a_clear_message()
    {
        const string model = "pkg-tampered";
        TrainAndRegister(model, "FastForest");
        var output = Path.Combine(_cli.Directory, "pkg");
        Package(model, output);
        File.AppendAllText(Path.Combine(output, ModelPackage.ModelFile), "tampered");

        using var process = Process.Start(new ProcessStartInfo("dotnet")
        {
            // A fixed directory: tests running beside this one may move the process's current one and delete it.
            WorkingDirectory = Path.GetTempPath(),
            ArgumentList = { Path.Combine(output, "app", "mlops.dll"), "deploy", "serve", "--package", output, "--port", "0" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)));
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("does not match its manifest", stderr);
        Assert.Contains($"{ModelPackage.ModelFile} has SHA-256", stderr);
        Assert.Contains("Refusing to serve it", stderr);
        Assert.DoesNotContain("Serving", stdout.Result);
    }

    [Fact]
    public void A_LightGbm_package_records_its_ONNX_parity_check()
    {
        const string model = "pkg-lightgbm";
        TrainAndRegister(model, "LightGbm");
        var output = Path.Combine(_cli.Directory, "pkg");
        var (result, manifest) = Package(model, output);
        AssertOnnxChecked(manifest, output);
        Assert.True(result["onnx"]!["exported"]!.GetValue<bool>());
    }

    /// <summary>Multiclass models take a second ONNX input (the label, mapped to a key and ignored when predicting) and answer a class name and a score per class.</summary>
    [Theory]
    [InlineData("LightGbm")]
    [InlineData("OneVersusAll")]
    public void A_multiclass_package_records_its_ONNX_parity_check(string trainer)
    {
        var model = "pkg-bands-" + trainer.ToLowerInvariant();
        TrainAndRegister(model, trainer, "world_rank <= 33 ? \"top\" : (world_rank <= 66 ? \"middle\" : \"rest\")");
        var output = Path.Combine(_cli.Directory, "pkg-" + trainer);
        var (result, manifest) = Package(model, output);
        AssertOnnxChecked(manifest, output);
        Assert.True(result["onnx"]!["exported"]!.GetValue<bool>());
    }

    [Fact]
    public void A_non_empty_out_is_refused_and_serve_needs_a_model_or_a_package_not_both()
    {
        const string model = "pkg-refusals";
        TrainAndRegister(model, "FastForest");
        var output = Path.Combine(_cli.Directory, "busy");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");
        var busy = _cli.Run("deploy", "package", "--model", model, "--version", "1", "--out", output);
        Assert.Equal(1, busy.Exit);
        Assert.Contains("is not empty", busy.Err);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(output).Select(e => Path.GetFileName(e)!).ToArray());

        var both = _cli.Run("deploy", "serve", "--package", output, "--model", model, "--port", "0");
        Assert.Equal(1, both.Exit);
        Assert.Contains("drop --model", both.Err);
        var neither = _cli.Run("deploy", "serve", "--port", "0");
        Assert.Equal(1, neither.Exit);
        Assert.Contains("--model <name>", neither.Err);
        var notPackage = _cli.Run("deploy", "serve", "--package", output, "--port", "0");
        Assert.Equal(1, notPackage.Exit);
        Assert.Contains("is not a model package", notPackage.Err);
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
