using System.Text.RegularExpressions;

namespace MlOps.Notebooks;

/// <summary>
/// The runner's kernel has no NuGet package management, so it loads known extensions itself and treats a
/// notebook's `#r "nuget: ThatPackage..."` and its `#i "nuget: source"` lines as already satisfied: they are
/// commented out in the code sent to the kernel (the executed notebook keeps the original source).
/// Any other `#r "nuget:..."` still fails the cell, with the kernel's message.
/// </summary>
internal static partial class PreloadedPackages
{
    public static string Neutralize(string source, IReadOnlyCollection<string> packages)
    {
        if (packages.Count == 0)
            return source;
        var lines = source.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var reference = PackageReference().Match(lines[i]);
            var satisfied = reference.Success
                ? packages.Contains(reference.Groups["id"].Value, StringComparer.OrdinalIgnoreCase)
                : PackageSource().IsMatch(lines[i]);
            if (satisfied)
                lines[i] = "// loaded by the headless runner: " + lines[i].Trim();
        }

        return string.Join('\n', lines);
    }

    [GeneratedRegex("""^\s*#r\s+"nuget:\s*(?<id>[^,"\s]+)""")]
    private static partial Regex PackageReference();

    [GeneratedRegex("""^\s*#i\s+"nuget:""")]
    private static partial Regex PackageSource();
}
