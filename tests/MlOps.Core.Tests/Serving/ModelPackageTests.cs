using MlOps.Hashing;
using MlOps.Packaging;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tests.Registry;
using MlOps.Tracking;

namespace MlOps.Tests.Serving;

/// <summary>
/// ModelPackage over a real registered forest. The app folder is a stand-in (the engine's tests do not build the CLI;
/// MlOps.Cli.Tests runs a real package), and no ONNX exporter is given, so the manifest must say why there is no ONNX.
/// </summary>
public sealed class ModelPackageTests(RankingsRuns runs) : IClassFixture<RankingsRuns>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlops-package-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private ModelVersion Registered() =>
        ModelRegistry.Over(runs.Store, new RegistryEventHub()).Register(runs.Strong.Id, "package-" + Guid.NewGuid().ToString("N")[..8]);

    private string FakeApp()
    {
        var app = Path.Combine(_directory, "app-source");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "mlops.dll"), "not really an assembly");
        File.WriteAllText(Path.Combine(app, "Dep.dll"), "a dependency");
        File.WriteAllText(Path.Combine(app, "Test.Only.dll"), "a test assembly that is not the app's");
        File.WriteAllText(Path.Combine(app, "mlops.deps.json"), """
            {"runtimeTarget": {"name": ".NETCoreApp,Version=v10.0"},
             "targets": {".NETCoreApp,Version=v10.0": {"Dep/1.0": {"runtime": {"lib/net10.0/Dep.dll": {}}}}}}
            """);
        File.WriteAllText(Path.Combine(app, "mlops.runtimeconfig.json"), """
            {"runtimeOptions": {"frameworks": [{"name": "Microsoft.NETCore.App", "version": "10.0.0"}, {"name": "Microsoft.AspNetCore.App", "version": "10.0.0"}]}}
            """);
        return app;
    }

    private PackageRequest Request(ModelVersion version, string output, bool force = false) =>
        new() { Version = version, Runs = runs.Store, Output = output, AppDirectory = FakeApp(), Force = force };

    private static ScoringInput Rows(IReadOnlyList<SchemaColumn> signature)
    {
        var columns = signature.Select(c => c.Name).ToList();
        object?[] Row(double value, string country) => columns.Select(c => c == "country" ? country : (object?)value).ToArray();
        return new ScoringInput(columns, [Row(5, "USA"), Row(80, "France"), Row(300, "Japan"), Row(double.NaN, "Atlantis")]);
    }

    [Fact]
    public void A_written_package_holds_every_file_with_its_hash_and_serves_what_the_store_serves()
    {
        var version = Registered();
        var written = ModelPackage.Write(Request(version, Path.Combine(_directory, "pkg")));

        foreach (var file in new[] { ModelPackage.ModelFile, ModelPackage.FeaturizerFile, ModelPackage.SignatureFile, "app/mlops.dll", "app/Dep.dll",
                     "app/mlops.deps.json", "app/mlops.runtimeconfig.json", "serve.sh", "serve.cmd", "Dockerfile", "README.md" })
            Assert.Contains(written.Manifest.Files, f => f.Path == file);
        Assert.False(File.Exists(Path.Combine(written.Directory, "app", "Test.Only.dll")));
        foreach (var file in written.Manifest.Files)
            Assert.Equal(file.Sha256, ContentHash.OfFile(Path.Combine(written.Directory, file.Path)).Hex);
        Assert.Equal(version.Artifact.Sha256, ContentHash.OfFile(Path.Combine(written.Directory, ModelPackage.ModelFile)).Hex);

        var manifest = written.Manifest;
        Assert.Equal((version.Model, version.Version, version.RunId, "binary"), (manifest.Model, manifest.Version, manifest.Run, manifest.Task));
        Assert.Equal(version.Metrics["auc"], manifest.Metrics["auc"]);
        Assert.Equal(version.Data!.Sha256, manifest.Lineage.Data!.Sha256);
        Assert.Contains("Microsoft.AspNetCore.App 10.0.0", manifest.Runtime.Frameworks);
        Assert.False(manifest.Onnx.Exported);
        Assert.Contains("no ONNX exporter", manifest.Onnx.Reason);
        var readme = File.ReadAllText(Path.Combine(written.Directory, "README.md"));
        Assert.Contains("/invocations", readme);
        Assert.Contains("\"dataframe_split\"", readme);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0", File.ReadAllText(Path.Combine(written.Directory, "Dockerfile")));
        // SHA256SUMS covers the manifest too, in `sha256sum -c` format.
        Assert.Contains($"  {ModelPackage.ManifestFile}", File.ReadAllText(Path.Combine(written.Directory, ModelPackage.SumsFile)));

        var opened = ModelPackage.Open(written.Directory);
        Assert.Equal(version.Artifact, opened.Version.Artifact);
        using var fromPackage = ModelScorer.Load(opened.Version, opened.Artifacts);
        using var fromStore = ModelScorer.Load(version, runs.Store.Artifacts);
        Assert.Equal(fromStore.Score(Rows(fromStore.Signature)), fromPackage.Score(Rows(fromPackage.Signature)));
    }

    [Fact]
    public void A_changed_file_in_the_package_is_refused_naming_it()
    {
        var written = ModelPackage.Write(Request(Registered(), Path.Combine(_directory, "pkg")));
        File.AppendAllText(Path.Combine(written.Directory, ModelPackage.FeaturizerFile), " ");
        var e = Assert.Throws<MlOpsException>(() => ModelPackage.Open(written.Directory));
        Assert.Contains("does not match its manifest", e.Message);
        Assert.Contains(ModelPackage.FeaturizerFile, e.Message);
        Assert.Contains("not a model package", Assert.Throws<MlOpsException>(() => ModelPackage.Open(_directory)).Message);
    }

    [Fact]
    public void A_tampered_store_artifact_is_not_packaged_and_a_failed_write_leaves_nothing_behind()
    {
        var version = Registered();
        var path = ((FileArtifactStore)runs.Store.Artifacts).PathOf(version.Artifact);
        var original = File.ReadAllBytes(path);
        var target = Path.Combine(_directory, "pkg");
        try
        {
            File.AppendAllText(path, "tampered");
            Assert.Contains("is corrupted", Assert.Throws<MlOpsException>(() => ModelPackage.Write(Request(version, target))).Message);
        }
        finally
        {
            File.WriteAllBytes(path, original);
        }
        Assert.False(Directory.Exists(target));
        Assert.DoesNotContain(Directory.EnumerateDirectories(_directory), d => Path.GetFileName(d).StartsWith(".pkg.tmp-"));
    }

    [Fact]
    public void A_non_empty_out_is_refused_and_force_replaces_only_an_earlier_package()
    {
        var version = Registered();
        var other = Path.Combine(_directory, "notes");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "keep.txt"), "mine");
        Assert.Contains("is not empty", Assert.Throws<MlOpsException>(() => ModelPackage.Write(Request(version, other))).Message);
        Assert.Contains("is not a model package", Assert.Throws<MlOpsException>(() => ModelPackage.Write(Request(version, other, force: true))).Message);
        Assert.True(File.Exists(Path.Combine(other, "keep.txt")));

        var target = Path.Combine(_directory, "pkg");
        ModelPackage.Write(Request(version, target));
        Assert.Contains("--force", Assert.Throws<MlOpsException>(() => ModelPackage.Write(Request(version, target))).Message);
        var again = ModelPackage.Write(Request(version, target, force: true));
        Assert.Equal(version.Version, ModelPackage.Open(again.Directory).Version.Version);
        Assert.Equal(["app-source", "notes", "pkg"], Directory.EnumerateFileSystemEntries(_directory).Select(e => Path.GetFileName(e)!).Order().ToArray());
    }
}
