namespace MlOps.Training;

/// <summary>"Did you mean ...?" for mistyped trainer and option names.</summary>
public static class NameSuggestion
{
    /// <summary>Lower case without separators, so numberOfTrees, NumberOfTrees and number_of_trees are one name.</summary>
    public static string Key(string name)
        => new(name.Where(c => c is not ('_' or '-' or '.' or ' ')).Select(char.ToLowerInvariant).ToArray());

    /// <summary>The closest candidate, or null when nothing is close enough to be a plausible typo or abbreviation.</summary>
    public static string? Closest(string query, IEnumerable<string> candidates)
    {
        var q = Key(query);
        if (q.Length == 0) return null;
        string? best = null;
        var bestScore = int.MaxValue;
        foreach (var c in candidates)
        {
            var k = Key(c);
            var d = Levenshtein(q, k);
            // Abbreviations (numTrees for numberOfTrees) are far in edit distance but keep the letters in order.
            var plausible = d <= Math.Max(2, Math.Max(q.Length, k.Length) / 3) || (q.Length >= 3 && IsSubsequence(q, k));
            if (plausible && d < bestScore)
            {
                best = c;
                bestScore = d;
            }
        }
        return best;
    }

    private static bool IsSubsequence(string q, string s)
    {
        var i = 0;
        foreach (var c in s)
        {
            if (i < q.Length && q[i] == c) i++;
        }
        return i == q.Length;
    }

    private static int Levenshtein(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
