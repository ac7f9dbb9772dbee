using System.Globalization;
using System.Text;

namespace MlOps.Storage.LiteDb;

/// <summary>
/// Reversible escaping of user keys (metric names such as "f1.macro" or "r²") into LiteDB field names,
/// which must be words so that <c>$.metrics.&lt;name&gt;</c> can be indexed.
/// ASCII letters stay, digits stay except first, '_' becomes "__", anything else "_XXXX" (UTF-16 hex).
/// </summary>
internal static class FieldName
{
    public static string Escape(string key)
    {
        var builder = new StringBuilder(key.Length + 8);
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsAsciiLetter(c) || (i > 0 && char.IsAsciiDigit(c)))
                builder.Append(c);
            else if (c == '_')
                builder.Append("__");
            else
                builder.Append('_').Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
        }
        // An empty key still needs a legal, distinct field name.
        return builder.Length == 0 ? "_" : builder.ToString();
    }

    public static string Unescape(string field)
    {
        if (field == "_") return "";
        var builder = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            var c = field[i];
            if (c != '_')
            {
                builder.Append(c);
            }
            else if (i + 1 < field.Length && field[i + 1] == '_')
            {
                builder.Append('_');
                i++;
            }
            else
            {
                builder.Append((char)int.Parse(field.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 4;
            }
        }
        return builder.ToString();
    }
}
