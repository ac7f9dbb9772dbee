using System.Globalization;

namespace MlOps.Data;

/// <summary>
/// Numbers as they appear in real files: "20,152" (thousands), "25%", "=45" (a tie), "201-250" (a rank range:
/// its midpoint), "33 : 67" (a ratio: the first part's share, 0.33), and missing markers ("", "-", "NA", ...).
/// </summary>
public static class MessyNumber
{
    private static readonly string[] MissingTokens = ["-", "na", "n/a", "nan", "null", "none", "?", "--"];

    /// <summary>True for an empty cell or a missing-value marker.</summary>
    public static bool IsMissing(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return true;
        var t = text.Trim();
        return MissingTokens.Any(m => t.Equals(m, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Reads <paramref name="text"/> as a number. Missing cells give true with NaN; text that is not a number
    /// gives false.
    /// </summary>
    public static bool TryParse(string? text, out double value)
    {
        value = double.NaN;
        if (IsMissing(text))
            return true;
        var t = text!.Trim();
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            return true;
        if (t.StartsWith('='))
            return TryParse(t[1..], out value) && !double.IsNaN(value);
        if (t.EndsWith('%'))
            return TryPlain(t[..^1], out value);
        var colon = t.IndexOf(':');
        if (colon > 0 && TryPlain(t[..colon], out var a) && TryPlain(t[(colon + 1)..], out var b))
        {
            value = a + b == 0 ? double.NaN : a / (a + b);
            return true;
        }
        var dash = t.IndexOf('-', 1);
        if (dash > 0 && TryPlain(t[..dash], out var low) && TryPlain(t[(dash + 1)..], out var high) && high >= low)
        {
            value = (low + high) / 2;
            return true;
        }
        return TryPlain(t, out value);
    }

    // One number, allowing thousands separators ("20,152", "1,234,567.5") but not "1,2".
    private static bool TryPlain(string text, out double value)
    {
        var t = text.Trim();
        if (t.Contains(',') && !ThousandsGrouped(t))
        {
            value = double.NaN;
            return false;
        }
        return double.TryParse(t, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out value);
    }

    private static bool ThousandsGrouped(string t)
    {
        var integer = t.Split('.')[0].TrimStart('-', '+');
        var groups = integer.Split(',');
        return groups[0].Length is >= 1 and <= 3 && groups.Skip(1).All(g => g.Length == 3 && g.All(char.IsAsciiDigit));
    }
}
