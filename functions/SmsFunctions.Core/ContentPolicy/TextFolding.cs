using System.Globalization;

namespace SmsFunctions.Core.ContentPolicy;

/// <summary>
/// Case and accent folding for matching. The repository runs with <c>InvariantGlobalization</c>, where
/// <see cref="string.Normalize(System.Text.NormalizationForm)"/> does not decompose (there is no ICU), so
/// "strip diacritics via FormD" would silently do nothing. Instead: combining marks (category NonSpacingMark,
/// which invariant mode does know) are dropped, and precomposed Latin letters are mapped to their base letter by
/// a table covering Latin-1 Supplement and Latin Extended-A.
/// </summary>
internal static class TextFolding
{
    /// <summary>Returned by <see cref="Fold"/> for characters that separate words.</summary>
    public const char Separator = '\0';

    /// <summary>Returned by <see cref="Fold"/> for characters that are ignored (combining marks, soft hyphen, zero-width).</summary>
    public const char Ignored = '\u0001';

    private static readonly Dictionary<char, char> BaseLetters = BuildBaseLetters();

    public static char Fold(char c)
    {
        if (char.IsAsciiLetterOrDigit(c))
        {
            return char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c;
        }

        if (c < '\u0080')
        {
            return Separator;
        }

        var category = CharUnicodeInfo.GetUnicodeCategory(c);
        if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format)
        {
            return Ignored;
        }

        if (!char.IsLetterOrDigit(c))
        {
            return Separator;
        }

        var lower = char.ToLowerInvariant(c);
        return BaseLetters.TryGetValue(lower, out var folded) ? folded : lower;
    }

    /// <summary>Folds <paramref name="text"/> into words (letters and digits only).</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        foreach (var c in text)
        {
            var folded = Fold(c);
            if (folded == Ignored)
            {
                continue;
            }

            if (folded == Separator)
            {
                Flush();
            }
            else
            {
                current.Append(folded);
            }
        }

        Flush();
        return words;

        void Flush()
        {
            if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }
    }

    private static Dictionary<char, char> BuildBaseLetters()
    {
        var map = new Dictionary<char, char>();
        void Add(string from, char to)
        {
            foreach (var c in from)
            {
                map[c] = to;
            }
        }

        Add("àáâãäåāăą", 'a');
        Add("çćĉċč", 'c');
        Add("ďđ", 'd');
        Add("èéêëēĕėęě", 'e');
        Add("ĝğġģ", 'g');
        Add("ĥħ", 'h');
        Add("ìíîïĩīĭįı", 'i');
        Add("ĵ", 'j');
        Add("ķ", 'k');
        Add("ĺļľŀł", 'l');
        Add("ñńņňŉ", 'n');
        Add("òóôõöøōŏő", 'o');
        Add("ŕŗř", 'r');
        Add("śŝşš", 's');
        Add("ţťŧ", 't');
        Add("ùúûüũūŭůűų", 'u');
        Add("ŵ", 'w');
        Add("ýÿŷ", 'y');
        Add("źżž", 'z');
        return map;
    }
}
