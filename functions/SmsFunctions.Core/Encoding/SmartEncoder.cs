using System.Collections.Frozen;
using System.Text;

namespace SmsFunctions.Core.Encoding;

/// <summary>
/// Replaces Unicode look-alikes with GSM-7 equivalents so a body that was typed in a word processor (curly quotes,
/// dashes, non-breaking spaces, "…") does not silently switch to UCS-2 and double its part count.
/// Applied only when the sender asks for it; the caller decides. Characters with no sensible GSM look-alike
/// (emoji, CJK, Cyrillic, …) are left alone, so the body then stays UCS-2.
/// </summary>
/// <remarks>
/// Accented letters that GSM-7 lacks lose their accent (<c>á → a</c>, <c>È → E</c>, <c>ô → o</c>), except
/// <c>ç → Ç</c>: 3GPP TS 23.038 notes that code 0x09 (Ç) may be displayed as lower-case ç, and many handsets do,
/// so keeping the cedilla reads better than dropping it. Zero-width spaces and BOMs are removed; the zero-width
/// joiner is kept because it binds emoji sequences (and those are UCS-2 anyway).
/// </remarks>
public static class SmartEncoder
{
    private static readonly FrozenDictionary<char, string> Table = BuildTable();

    /// <summary>The characters smart encoding replaces and what with; exposed for documentation and tests.</summary>
    public static IReadOnlyDictionary<char, string> Replacements => Table;

    public static SmartEncodingResult Apply(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = FirstReplaceable(text);
        if (first < 0)
        {
            return new SmartEncodingResult(text, []);
        }

        var builder = new StringBuilder(text.Length + 8);
        builder.Append(text, 0, first);
        var counts = new List<SmartReplacement>();
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (Table.TryGetValue(c, out var replacement))
            {
                builder.Append(replacement);
                Count(counts, c, replacement);
            }
            else
            {
                builder.Append(c);
            }
        }

        return new SmartEncodingResult(builder.ToString(), counts);
    }

    private static int FirstReplaceable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] > '\u007F' || text[i] == '`' || text[i] == '\t')
            {
                if (Table.ContainsKey(text[i]))
                {
                    return i;
                }
            }
        }

        return -1;
    }

    private static void Count(List<SmartReplacement> counts, char original, string replacement)
    {
        for (var i = 0; i < counts.Count; i++)
        {
            if (counts[i].Original == original)
            {
                counts[i] = counts[i] with { Count = counts[i].Count + 1 };
                return;
            }
        }

        counts.Add(new SmartReplacement(original, replacement, 1));
    }

    private static FrozenDictionary<char, string> BuildTable()
    {
        var map = new Dictionary<char, string>();
        void Add(string from, string to)
        {
            foreach (var c in from)
            {
                map[c] = to;
            }
        }

        // Quotes and apostrophes.
        Add("\u2018\u2019\u201A\u201B\u2032\u2035\u00B4`\u2039\u203A", "'");
        Add("\u201C\u201D\u201E\u201F\u2033\u2036\u00AB\u00BB", "\"");
        // Hyphens, dashes, minus.
        Add("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00AD", "-");
        // Spaces: no-break, en/em/thin/hair…, narrow no-break, medium mathematical, ideographic; tab.
        Add("\u00A0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u202F\u205F\u3000\t", " ");
        // Invisible characters that only cost a UCS-2 switch.
        Add("\u200B\uFEFF", string.Empty);
        // Punctuation.
        Add("\u2026", "...");
        Add("\u2022\u2023\u2043\u2219", "-");
        Add("\u00B7", ".");
        Add("\u2044\u2215", "/");
        Add("\u02C6", "^");
        Add("\u02DC", "~");
        // Accented letters GSM-7 lacks (GSM has à è é ì ò ù É Ä Ö Ñ Ü ä ö ñ ü Å å Ç Ø ø Æ æ ß).
        Add("áâãā", "a");
        Add("ÀÁÂÃĀ", "A");
        Add("êëē", "e");
        Add("ÈÊËĒ", "E");
        Add("íîïī", "i");
        Add("ÌÍÎÏĪ", "I");
        Add("óôõō", "o");
        Add("ÒÓÔÕŌ", "O");
        Add("úûū", "u");
        Add("ÙÚÛŪ", "U");
        Add("ýÿ", "y");
        Add("Ý", "Y");
        Add("ç", "Ç");
        Add("œ", "oe");
        Add("Œ", "OE");
        return map.ToFrozenDictionary();
    }
}
