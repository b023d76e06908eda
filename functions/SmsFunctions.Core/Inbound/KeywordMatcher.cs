using SmsFunctions.Core.ContentPolicy;

namespace SmsFunctions.Core.Inbound;

/// <summary>
/// Recognises STOP / START / HELP: the whole text, trimmed, case- and accent-folded ("Stop ", "arrestà", "stop!" are
/// STOP; "stop sending me offers" and "stopped" are not — a keyword is the entire message, as carriers' opt-out rules
/// and Kannel's word-bounded matching intend). Punctuation around the word is ignored, words inside are not.
/// </summary>
public sealed class KeywordMatcher
{
    public static readonly IReadOnlyList<string> DefaultStop = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRESTA", "ANNULLA", "DISISCRIVI", "BASTA"];
    public static readonly IReadOnlyList<string> DefaultStart = ["START", "UNSTOP", "YES", "RIPRENDI", "ISCRIVI"];
    public static readonly IReadOnlyList<string> DefaultHelp = ["HELP", "INFO", "AIUTO"];

    private readonly Dictionary<string, InboundKeyword> _words = new(StringComparer.Ordinal);

    public KeywordMatcher(IEnumerable<string>? stop = null, IEnumerable<string>? start = null, IEnumerable<string>? help = null)
    {
        Add(help ?? DefaultHelp, InboundKeyword.Help);
        Add(start ?? DefaultStart, InboundKeyword.Start);
        Add(stop ?? DefaultStop, InboundKeyword.Stop); // Added last: a word in two lists means STOP, the safe reading.
    }

    public static KeywordMatcher Default { get; } = new();

    /// <summary>The keyword the whole of <paramref name="text"/> is, or <see cref="InboundKeyword.None"/>.</summary>
    public InboundKeyword Match(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 64)
        {
            return InboundKeyword.None;
        }

        var words = TextFolding.Words(text);
        return words.Count == 1 && _words.TryGetValue(words[0], out var keyword) ? keyword : InboundKeyword.None;
    }

    /// <summary>The folded form of a configured keyword, or null when it is not a single word.</summary>
    public static string? Fold(string keyword)
    {
        var words = TextFolding.Words(keyword ?? string.Empty);
        return words.Count == 1 ? words[0] : null;
    }

    private void Add(IEnumerable<string> keywords, InboundKeyword kind)
    {
        foreach (var keyword in keywords)
        {
            if (Fold(keyword) is { } folded)
            {
                _words[folded] = kind;
            }
        }
    }
}
