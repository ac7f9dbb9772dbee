using MlOps.Pipeline;
using MlOps.Registry;
using MlOps.Serving;
using MlOps.Storage.LiteDb;

namespace MlOps.Server.Tests;

/// <summary>
/// A real run on cwurData.csv (params.yaml at the repo root) in a temp LiteDB store, registered and promoted to
/// Production through its gates, then served on 127.0.0.1:0 twice: with a bearer token, and strict (extra columns
/// refused, 2 KB body limit) without one.
/// </summary>
public sealed class ServedModel : IAsyncLifetime
{
    public const string Token = "test-token-1234";
    public const string Name = "rankings-top50";

    private readonly string _directory = Directory.CreateTempSubdirectory("mlops-serve-").FullName;
    private LiteDbRunStore? _store;

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Rankings => Path.Combine(RepoRoot, "assets", "data", "world-university-rankings", "cwurData.csv");

    public ModelVersion Version { get; private set; } = null!;

    /// <summary>The engine's own scorer: what the HTTP answers must equal.</summary>
    public ModelScorer Scorer { get; private set; } = null!;

    public ModelServer Server { get; private set; } = null!;

    public ModelServer Strict { get; private set; } = null!;

    private ModelScorer? _strictScorer;

    public HttpClient Client { get; } = new();

    public async Task InitializeAsync()
    {
        _store = LiteDbRunStore.Open(_directory);
        var p = ParamSet.Load(Path.Combine(RepoRoot, "params.yaml"))
            .With("data.path", Path.GetDirectoryName(Rankings)!).With("train.n_est", "20");
        var outcome = new Experiments(_store).Run(new ExperimentRequest { Name = "serve", Params = p });
        Assert.True(outcome.Succeeded);
        var registry = ModelRegistry.Over(_store, new RegistryEventHub());
        var registered = registry.Register(outcome.Runs.Single().Run.Id, Name);
        var promoted = registry.Promote(Name, registered.Version, ModelStage.Production, "serve tests");
        Assert.True(promoted.Promoted, string.Join("; ", promoted.Gates.Select(g => g.Detail)));
        Version = ServedVersion.Resolve(registry, Name);
        Scorer = ModelScorer.Load(Version, _store.Artifacts);
        _strictScorer = ModelScorer.Load(Version, _store.Artifacts, new ScorerOptions { AllowExtraColumns = false });
        Server = await ModelServer.StartAsync(new ModelServerOptions { Scorer = Scorer, Port = 0, Token = Token });
        Strict = await ModelServer.StartAsync(new ModelServerOptions { Scorer = _strictScorer, Port = 0, MaxBodyBytes = 2048 });
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        await Strict.DisposeAsync();
        Scorer.Dispose();
        _strictScorer?.Dispose();
        _store?.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlOps.Interactive.sln")))
                return dir.FullName;
        throw new InvalidOperationException("repo root not found");
    }
}
