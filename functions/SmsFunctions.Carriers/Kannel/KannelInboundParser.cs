using System.Globalization;
using System.Text;

namespace SmsFunctions.Carriers.Kannel;

/// <summary>
/// Reads what Kannel's <c>sms-service</c> <c>get-url</c> (or <c>post-url</c>) sends for an MO:
/// <c>from=%p&amp;to=%P&amp;text=%b&amp;ts=%T&amp;smsc=%i&amp;coding=%c&amp;charset=%C&amp;udh=%u&amp;id=%I</c>.
/// The query is decoded by hand, to bytes: <c>%b</c> is the message's raw bytes (UTF-16BE for UCS-2), which a
/// UTF-8 query decoder would corrupt. The text is then decoded by <c>charset</c> (UTF-8 when absent). With
/// <c>post-url</c> the text is the body, decoded by the Content-Type's charset, when the query has none.
/// </summary>
public static class KannelInboundParser
{
    public const string CarrierName = "Kannel";

    /// <summary>Most bytes of text accepted (10 concatenated parts of 140 bytes, with room).</summary>
    public const int MaxTextBytes = 4096;

    /// <summary>The raw query (with or without the leading '?') as name → bytes; a name given twice keeps its first value.</summary>
    public static Dictionary<string, byte[]> ParseQuery(string? query)
    {
        var values = new Dictionary<string, byte[]>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(query))
        {
            return values;
        }

        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Encoding.UTF8.GetString(Decode(eq < 0 ? pair : pair[..eq]));
            values.TryAdd(name, eq < 0 ? [] : Decode(pair[(eq + 1)..]));
        }

        return values;
    }

    /// <summary>Percent-decoding to bytes, '+' being a space (Kannel encodes spaces so).</summary>
    public static byte[] Decode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else if (c == '%' && i + 2 < value.Length && byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return [.. bytes];
    }

    /// <summary>Decodes text bytes by a Kannel charset name (<c>%C</c>): UTF-16BE/UCS-2, UTF-8, ISO-8859-1 and 8-BIT.</summary>
    public static string? DecodeText(byte[] bytes, string? charset)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var name = (charset ?? string.Empty).Trim().Trim('"').ToUpperInvariant();
        return name switch
        {
            "" or "UTF-8" or "UTF8" => Strict(new UTF8Encoding(false, true), bytes),
            "UTF-16BE" or "UCS-2" or "UCS-2BE" or "UTF-16" or "UCS2" => bytes.Length % 2 == 0 ? Strict(new UnicodeEncoding(true, false, true), bytes) : null,
            "ISO-8859-1" or "LATIN1" or "8-BIT" or "WINDOWS-1252" => Encoding.Latin1.GetString(bytes),
            _ => null,
        };

        static string? Strict(Encoding encoding, byte[] bytes)
        {
            try
            {
                return encoding.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }
    }

    /// <summary>Reads an MO from Kannel's query (and, for post-url, the body). Answers the message or a problem for a 400.</summary>
    public static (InboundSms? Sms, string? Problem) Parse(IReadOnlyDictionary<string, byte[]> query, byte[]? body = null, string? bodyCharset = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        string? Text(string name) => query.TryGetValue(name, out var v) ? Encoding.UTF8.GetString(v).Trim() : null;

        var from = Text("from");
        var to = Text("to");
        if (string.IsNullOrEmpty(from) || from.Length > 32 || from.Any(char.IsControl))
        {
            return (null, "'from' (Kannel's %p) is missing or not a sender.");
        }

        if (string.IsNullOrEmpty(to) || to.Length > 32 || to.Any(char.IsControl))
        {
            return (null, "'to' (Kannel's %P) is missing or not a number.");
        }

        var coding = Text("coding");
        var charset = Text("charset");
        byte[] bytes;
        if (query.TryGetValue("text", out var textBytes))
        {
            bytes = textBytes;
        }
        else if (body is not null)
        {
            bytes = body;
            charset = string.IsNullOrEmpty(charset) ? bodyCharset : charset;
        }
        else
        {
            bytes = [];
        }

        if (bytes.Length > MaxTextBytes)
        {
            return (null, $"The text is longer than {MaxTextBytes} bytes.");
        }

        var encoding = coding switch
        {
            null or "" or "0" => "GSM-7",
            "1" => "8-BIT",
            "2" => "UCS-2",
            _ => null,
        };
        if (encoding is null)
        {
            return (null, "'coding' (Kannel's %c) must be 0, 1 or 2.");
        }

        if (string.IsNullOrEmpty(charset) && encoding == "UCS-2")
        {
            charset = "UTF-16BE";
        }

        if (DecodeText(bytes, charset) is not { } text)
        {
            return (null, $"The text cannot be decoded as '{charset}'.");
        }

        DateTimeOffset? sentAt = long.TryParse(Text("ts"), NumberStyles.None, CultureInfo.InvariantCulture, out var ts) && ts is > 0 and < 253402300800
            ? DateTimeOffset.FromUnixTimeSeconds(ts)
            : null;
        var id = Text("id");
        var smsc = Text("smsc");
        return (new InboundSms(from, to, text, encoding, CarrierName,
            string.IsNullOrEmpty(id) || id.Length > 128 ? null : id, sentAt, string.IsNullOrEmpty(smsc) ? null : smsc), null);
    }
}
