using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace MlOps.Storage;

/// <summary>
/// The project's <c>mlops.yaml</c> (or <c>mlops.json</c>): the nearest one in the working directory or a parent, with
/// the keys <c>store</c>, <c>catalog</c> and <c>artifacts</c>. Relative folders are relative to the file, so every
/// subdirectory of the project finds the same store.
/// </summary>
public sealed record ProjectConfig(string? Store, string? Catalog, string? Artifacts, string? Path)
{
    public static readonly IReadOnlyList<string> FileNames = ["mlops.yaml", "mlops.json"];

    private static readonly string[] Keys = ["store", "catalog", "artifacts"];

    public static ProjectConfig None { get; } = new(null, null, null, null);

    /// <summary>The nearest config file at or above <paramref name="directory"/>; <see cref="None"/> when there is none.</summary>
    public static ProjectConfig Find(string directory)
    {
        for (var folder = new DirectoryInfo(System.IO.Path.GetFullPath(directory)); folder is not null; folder = folder.Parent)
        {
            var present = FileNames.Select(n => System.IO.Path.Combine(folder.FullName, n)).Where(File.Exists).ToList();
            if (present.Count > 1)
                throw new MlOpsException($"Both {string.Join(" and ", present)} exist. Keep one of them: MlOps reads one config file per folder.");
            if (present.Count == 1)
                return Load(present[0]);
        }
        return None;
    }

    public static ProjectConfig Load(string path)
    {
        Dictionary<string, string?> values;
        try
        {
            values = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ReadJson(File.ReadAllText(path), path) : ReadYaml(File.ReadAllText(path), path);
        }
        catch (JsonException e)
        {
            throw new MlOpsException($"The config file {path} is not valid JSON: {e.Message} Fix it (keys: store, catalog, artifacts).", e);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new MlOpsException($"The config file {path} is not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message} Fix it (keys: store, catalog, artifacts).", e);
        }
        if (values.Keys.FirstOrDefault(k => !Keys.Contains(k)) is { } unknown)
            throw new MlOpsException($"The config file {path} has an unknown key '{unknown}'. The keys are store, catalog and artifacts.");

        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        string? Location(string key) => values.GetValueOrDefault(key) is { Length: > 0 } value ? Anchor(value, folder) : null;
        return new ProjectConfig(Location("store"), Location("catalog"), Location("artifacts"), System.IO.Path.GetFullPath(path));
    }

    /// <summary>A URL stays as written; a folder is made absolute against the config file's folder (~ is the home folder).</summary>
    private static string Anchor(string value, string folder)
    {
        if (value.Contains("://", StringComparison.Ordinal))
            return value;
        if (value == "~" || value.StartsWith("~/", StringComparison.Ordinal))
            value = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), value.TrimStart('~').TrimStart('/'));
        return System.IO.Path.GetFullPath(value, folder);
    }

    private static Dictionary<string, string?> ReadJson(string text, string path)
    {
        using var document = JsonDocument.Parse(text);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw NotAMap(path);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
        {
            JsonValueKind.String => p.Value.GetString(),
            JsonValueKind.Null => null,
            _ => throw new MlOpsException($"The config file {path}: '{p.Name}' must be a text (a folder or a postgres:// URL)."),
        });
    }

    private static Dictionary<string, string?> ReadYaml(string text, string path)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(text));
        if (yaml.Documents.Count == 0)
            return [];
        if (yaml.Documents[0].RootNode is not YamlMappingNode map)
            throw NotAMap(path);
        return map.Children.ToDictionary(
            c => ((YamlScalarNode)c.Key).Value ?? "",
            c => c.Value is YamlScalarNode { Value: var v } ? v is "~" or "null" ? null : v
                : throw new MlOpsException($"The config file {path}: '{((YamlScalarNode)c.Key).Value}' must be a text (a folder or a postgres:// URL)."));
    }

    private static MlOpsException NotAMap(string path) =>
        new($"The config file {path} must hold a map at the top level, e.g. store: postgres://user@host:5432/mlops.");
}

/// <summary>Where a resolved setting came from: "option", "environment", "config" (with the file) or "default".</summary>
public sealed record ResolvedSetting(string Value, string Source);

/// <summary>
/// The one rule for store settings, shared by every surface: the option, else the environment variable, else the
/// project's config file, else the default.
/// </summary>
public static class StoreSettings
{
    public const string StoreVariable = "MLOPS_STORE";
    public const string CatalogVariable = "MLOPS_CATALOG";
    public const string ArtifactsVariable = "MLOPS_ARTIFACTS";

    public static ResolvedSetting Store(string? option) => Resolve(option, StoreVariable, c => c.Store, ".mlops")!;

    public static ResolvedSetting Catalog(string? option) =>
        Resolve(option, CatalogVariable, c => c.Catalog, System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".mlops", "catalog"))!;

    /// <summary>A server store's artifact directory when one is set (a URL's ?artifacts= is the option); null lets the store use the one it recorded.</summary>
    public static ResolvedSetting? Artifacts(string? option) => Resolve(option, ArtifactsVariable, c => c.Artifacts, null);

    private static ResolvedSetting? Resolve(string? option, string variable, Func<ProjectConfig, string?> key, string? fallback) =>
        Resolve(option, variable, key, fallback, Environment.GetEnvironmentVariable, Directory.GetCurrentDirectory());

    internal static ResolvedSetting? Resolve(string? option, string variable, Func<ProjectConfig, string?> key, string? fallback, Func<string, string?> environment, string directory)
    {
        if (!string.IsNullOrWhiteSpace(option))
            return new ResolvedSetting(option, "option");
        if (environment(variable) is { Length: > 0 } fromEnvironment)
            return new ResolvedSetting(fromEnvironment, "environment");
        var config = ProjectConfig.Find(directory);
        if (key(config) is { } fromConfig)
            return new ResolvedSetting(fromConfig, "config " + config.Path);
        return fallback is null ? null : new ResolvedSetting(fallback, "default");
    }
}
