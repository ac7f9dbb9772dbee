using System.Text.RegularExpressions;

namespace MlOps.Registry;

/// <summary>
/// Model names and aliases are a small safe alphabet (letters, digits, '-', '_', '.'; not starting with '.'), so a
/// name can never reach a file path or a terminal as something else: path separators, "..", control characters
/// and spaces are rejected before anything is stored.
/// </summary>
public static partial class RegistryNames
{
    public const int MaxLength = 128;

    [GeneratedRegex(@"^[A-Za-z0-9_\-][A-Za-z0-9_.\-]*$")]
    private static partial Regex Safe();

    public static string ValidateModel(string? name) => Validate(name, "model name", "--model RFClass-cwurData");

    public static string ValidateAlias(string? name) => Validate(name, "alias", "champion");

    private static string Validate(string? name, string what, string example)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new MlOpsException($"A {what} is required. Give one such as {example}.");
        if (name.Length > MaxLength || !Safe().IsMatch(name))
            throw new MlOpsException(
                $"The {what} '{Printable(name)}' is not allowed: use letters, digits, '-', '_' and '.' only (no path separators, " +
                $"spaces or control characters, not starting with '.', at most {MaxLength} characters), e.g. {example}.");
        return name;
    }

    /// <summary>Control characters shown as \uXXXX so an error message cannot garble the terminal.</summary>
    public static string Printable(string text) =>
        string.Concat(text.Take(MaxLength + 8).Select(c => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString()));
}
