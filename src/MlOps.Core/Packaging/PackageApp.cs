using System.Text.Json;

namespace MlOps.Packaging;

/// <summary>
/// The runnable server of a package: the files the `mlops` app's deps.json names (its own assemblies, packages,
/// native runtimes, satellite resources), copied from the folder it runs from. Test and tool assemblies that sit in
/// the same folder but are not the app's dependencies stay out.
/// </summary>
internal static class PackageApp
{
    public const string Name = "mlops";

    /// <summary>Copy the app into <paramref name="target"/>; returns the shared frameworks its runtimeconfig asks for.</summary>
    public static IReadOnlyList<string> Copy(string source, string target)
    {
        var deps = Path.Combine(source, Name + ".deps.json");
        var config = Path.Combine(source, Name + ".runtimeconfig.json");
        foreach (var required in new[] { Path.Combine(source, Name + ".dll"), deps, config })
            if (!File.Exists(required))
                throw new MlOpsException($"{source} does not hold the mlops app ({Path.GetFileName(required)} is missing), so the package would have no server. " +
                    "Run `mlops deploy package` from a built or installed mlops.");
        foreach (var (relative, optional) in Files(deps).Append((Name + ".dll", false)).Append((Name + ".deps.json", false)).Append((Name + ".runtimeconfig.json", false)))
        {
            var from = Path.Combine(source, relative);
            if (!File.Exists(from))
            {
                // The host refuses to start when an assembly or native library its deps.json names is missing.
                if (optional) continue;
                throw new MlOpsException($"{from} is missing, though {Path.GetFileName(deps)} names it: the mlops app is incomplete. Rebuild or reinstall mlops.");
            }
            var to = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to, overwrite: true);
        }
        return Frameworks(config);
    }

    /// <summary>Output-relative paths of the assets deps.json lists; satellite resources are optional (English is built in).</summary>
    private static IEnumerable<(string Path, bool Optional)> Files(string deps)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(deps));
        var root = document.RootElement;
        var targetName = root.GetProperty("runtimeTarget").GetProperty("name").GetString()!;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var files = new List<(string, bool)>();
        void Add(string path, bool optional)
        {
            if (seen.Add(path)) files.Add((path, optional));
        }
        foreach (var library in root.GetProperty("targets").GetProperty(targetName).EnumerateObject())
        {
            // runtime and native assets land flat in the output folder; RID-specific ones keep their runtimes/<rid>/ path.
            foreach (var kind in new[] { "runtime", "native" })
                if (library.Value.TryGetProperty(kind, out var assets))
                    foreach (var asset in assets.EnumerateObject())
                        Add(Path.GetFileName(asset.Name), false);
            if (library.Value.TryGetProperty("runtimeTargets", out var targets))
                foreach (var asset in targets.EnumerateObject().Where(a => !LeftOut(library.Name, a)))
                    Add(asset.Name, false);
            if (library.Value.TryGetProperty("resources", out var resources))
                foreach (var asset in resources.EnumerateObject())
                    Add(Path.Combine(asset.Value.GetProperty("locale").GetString()!, Path.GetFileName(asset.Name)), true);
        }
        return files;
    }

    /// <summary>
    /// Native files a server never loads, left out to keep the package small (the host checks only managed
    /// assemblies at start): debug symbols, mobile targets, and ONNX Runtime's libraries (the server scores with ML.NET;
    /// the ONNX export was checked when the package was written).
    /// </summary>
    private static bool LeftOut(string library, JsonProperty asset)
    {
        if (asset.Value.TryGetProperty("assetType", out var type) && type.GetString() != "native")
            return false;
        var rid = asset.Value.TryGetProperty("rid", out var r) ? r.GetString() ?? "" : "";
        return asset.Name.EndsWith(".dbg", StringComparison.Ordinal)
            || MobileRids.Any(m => rid.StartsWith(m, StringComparison.Ordinal))
            || library.StartsWith("Microsoft.ML.OnnxRuntime/", StringComparison.OrdinalIgnoreCase);
    }

    private static readonly string[] MobileRids = ["android", "ios", "maccatalyst", "tvos", "browser"];

    private static IReadOnlyList<string> Frameworks(string config)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(config));
        var options = document.RootElement.GetProperty("runtimeOptions");
        var frameworks = options.TryGetProperty("frameworks", out var many) ? many.EnumerateArray().ToList()
            : options.TryGetProperty("framework", out var one) ? [one] : [];
        return frameworks.Select(f => $"{f.GetProperty("name").GetString()} {f.GetProperty("version").GetString()}").ToList();
    }
}
