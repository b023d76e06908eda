namespace SmsFunctions.App.Callbacks;

/// <summary>
/// The rules for a callback's extra <c>headers</c>: a few, small, well-formed headers of the customer's own (an
/// <c>Authorization</c> for their endpoint, say). Headers that frame or route the request (<c>Host</c>,
/// <c>Content-*</c>, <c>Transfer-Encoding</c>, hop-by-hop and proxy headers) and our own (<c>X-Sms-*</c>, the
/// signature) are refused, and so is any control character (CR/LF would split the request). Values are secrets of
/// the customer: views show names only.
/// </summary>
public static class CallbackHeaders
{
    public const int MaxCount = 20;
    public const int MaxNameLength = 64;
    public const int MaxValueLength = 1024;
    public const int MaxTotalLength = 4096;

    /// <summary>What a view shows instead of a header's value.</summary>
    public const string RedactedValue = "[redacted]";

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer", "Expect",
        "Via", "Forwarded", "Date", "User-Agent", "Cookie2", "Max-Forwards",
    };

    private static readonly string[] ReservedPrefixes = ["Content-", "Proxy-", "X-Sms-", "X-Forwarded-", "Sec-", ":"];

    /// <summary>Why the header cannot be sent, or null when it may.</summary>
    public static string? Problem(string name, string? value)
    {
        if (name.Length is 0 or > MaxNameLength || !name.All(IsTokenChar))
        {
            return $"A callback header name must be 1 to {MaxNameLength} letters, digits or !#$%&'*+-.^_`|~.";
        }

        if (Reserved.Contains(name) || ReservedPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            return $"The callback header '{name}' is set by the gateway and cannot be given.";
        }

        if (value is null || value.Length > MaxValueLength)
        {
            return $"A callback header value must be a string of at most {MaxValueLength} characters.";
        }

        return value.Any(c => char.IsControl(c) && c != '\t')
            ? $"The callback header '{name}' has a control character (CR, LF, NUL…) in its value."
            : null;
    }

    /// <summary>Why the set of headers is too big, or null.</summary>
    public static string? SizeProblem(IReadOnlyDictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (headers.Count > MaxCount)
        {
            return $"A callback may carry at most {MaxCount} headers.";
        }

        return headers.Sum(h => h.Key.Length + h.Value.Length) > MaxTotalLength
            ? $"A callback's headers may hold at most {MaxTotalLength} characters in all."
            : null;
    }

    /// <summary>The same names, every value replaced by <see cref="RedactedValue"/>.</summary>
    public static Dictionary<string, string>? Redact(IReadOnlyDictionary<string, string>? headers) =>
        headers?.ToDictionary(h => h.Key, _ => RedactedValue, StringComparer.OrdinalIgnoreCase);

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
