namespace SmsFunctions.Testing.Kannel;

/// <summary>
/// One SMS as fakesmsc received it (one per part for concatenated texts), parsed from its
/// <c>Got message N: &lt;from to kind payload&gt;</c> log line. <see cref="Kind"/> is <c>text</c>, <c>ucs-2</c> or
/// <c>udh</c>; <see cref="Payload"/> is as fakesmsc prints it (URL-style escapes for binary).
/// </summary>
public sealed record SmscMessage(string From, string To, string Kind, string Payload, string Line)
{
    private const string Marker = "Got message ";

    public static SmscMessage? TryParse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var at = line.IndexOf(Marker, StringComparison.Ordinal);
        var open = at < 0 ? -1 : line.IndexOf(": <", at, StringComparison.Ordinal);
        if (open < 0 || !line.EndsWith('>'))
        {
            return null;
        }

        var parts = line[(open + 3)..^1].Split(' ', 4);
        return parts.Length < 4 ? null : new SmscMessage(parts[0], parts[1], parts[2], parts[3], line);
    }

    /// <summary>For <c>udh</c>: the user data header as printed (e.g. <c>%05%00%03%01%03%02</c>: part 2 of 3).</summary>
    public string? Udh => Kind == "udh" ? Payload.Split(" data ", 2)[0] : null;

    /// <summary>The text carried: as printed for <c>text</c>, UCS-2 decoded for <c>ucs-2</c>, the data after the header
    /// for <c>udh</c> (GSM-7 parts; read as Latin-1).</summary>
    public string Text => Kind switch
    {
        "ucs-2" => System.Text.Encoding.BigEndianUnicode.GetString(Unescape(Payload)),
        "udh" => System.Text.Encoding.Latin1.GetString(Unescape(Payload.Split(" data ", 2) is [_, var data] ? data : "")),
        _ => Payload,
    };

    // fakesmsc prints plain text as is, but binary and UDH data URL-encoded: %XX for most bytes, '+' for a space.
    private static byte[] Unescape(string printed)
    {
        var bytes = new List<byte>(printed.Length);
        for (var i = 0; i < printed.Length; i++)
        {
            var c = printed[i];
            if (c == '%' && i + 2 < printed.Length
                && byte.TryParse(printed.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.Add(c == '+' ? (byte)' ' : (byte)c);
            }
        }

        return [.. bytes];
    }
}
