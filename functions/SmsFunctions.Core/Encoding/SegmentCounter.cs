namespace SmsFunctions.Core.Encoding;

/// <summary>
/// Counts the SMS parts a body needs. Parts are counted with the real split (see <see cref="MessageSplitter"/>):
/// an escape pair (GSM-7 extension character) or a UTF-16 surrogate pair is never cut across two parts, so a part
/// may carry one unit less than its capacity and <c>ceil(n / 153)</c> is not always right.
/// </summary>
public static class SegmentCounter
{
    public const int Gsm7SinglePart = 160;
    public const int Gsm7MultiPart = 153;
    public const int Ucs2SinglePart = 70;
    public const int Ucs2MultiPart = 67;

    /// <summary>
    /// Encoding, reported character count and parts for <paramref name="body"/>. Allocation-free.
    /// An empty body is GSM-7 with 0 characters and 1 part: the counter describes what would be sent (one empty
    /// SMS); rejecting empty bodies is the API's job (<c>BODY_REQUIRED</c>).
    /// </summary>
    public static SegmentInfo Count(ReadOnlySpan<char> body)
    {
        var septets = 0;
        var gsm = true;
        foreach (var c in body)
        {
            var cost = Gsm7Alphabet.SeptetsFor(c);
            if (cost == 0)
            {
                gsm = false;
                break;
            }

            septets += cost;
        }

        if (gsm)
        {
            var parts = septets <= Gsm7SinglePart ? 1 : CountParts(body, SmsEncoding.Gsm7);
            return new SegmentInfo(SmsEncoding.Gsm7, septets, parts, septets);
        }

        var units = body.Length;
        var ucsParts = units <= Ucs2SinglePart ? 1 : CountParts(body, SmsEncoding.Ucs2);
        return new SegmentInfo(SmsEncoding.Ucs2, units, ucsParts, units);
    }

    /// <summary>
    /// The distinct characters (as strings, so a surrogate pair stays one emoji) that are not in GSM-7 and so force
    /// UCS-2, in order of first appearance. Empty when the body is GSM-7. Used to explain an ALERT to the sender.
    /// </summary>
    public static IReadOnlyList<string> NonGsmCharacters(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        List<string>? found = null;
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (Gsm7Alphabet.IsGsm7(c))
            {
                continue;
            }

            var width = char.IsHighSurrogate(c) && i + 1 < body.Length && char.IsLowSurrogate(body[i + 1]) ? 2 : 1;
            var text = body.Substring(i, width);
            found ??= [];
            if (!found.Contains(text))
            {
                found.Add(text);
            }

            i += width - 1;
        }

        return found ?? (IReadOnlyList<string>)[];
    }

    /// <summary>End (exclusive) of the part of a multipart message that starts at <paramref name="start"/>.</summary>
    internal static int NextPartEnd(ReadOnlySpan<char> body, int start, SmsEncoding encoding)
    {
        if (encoding == SmsEncoding.Gsm7)
        {
            var used = 0;
            var i = start;
            while (i < body.Length)
            {
                var cost = Gsm7Alphabet.SeptetsFor(body[i]);
                if (used + cost > Gsm7MultiPart)
                {
                    break;
                }

                used += cost;
                i++;
            }

            return i;
        }

        var end = Math.Min(start + Ucs2MultiPart, body.Length);
        // Never leave a high surrogate as the last unit of a part: its low half would open the next one.
        if (end < body.Length && char.IsHighSurrogate(body[end - 1]) && char.IsLowSurrogate(body[end]))
        {
            end--;
        }

        return end;
    }

    private static int CountParts(ReadOnlySpan<char> body, SmsEncoding encoding)
    {
        var parts = 0;
        var start = 0;
        while (start < body.Length)
        {
            start = NextPartEnd(body, start, encoding);
            parts++;
        }

        return parts;
    }
}
