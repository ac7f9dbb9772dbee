namespace MlOps.Core.Tests.Data;

/// <summary>The repository root (the folder holding MlOps.Interactive.sln), found by walking up from the test binaries.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Rankings(string file = "") =>
        Path.Combine(Root, "assets", "data", "world-university-rankings", file);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlOps.Interactive.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No MlOps.Interactive.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mlops-data-tests-").FullName;

    public string Write(string name, string content, bool bom = false)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, content, new System.Text.UTF8Encoding(bom));
        return file;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
