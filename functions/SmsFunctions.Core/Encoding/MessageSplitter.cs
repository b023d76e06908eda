namespace SmsFunctions.Core.Encoding;

/// <summary>Splits a body into the texts of its SMS parts, exactly as <see cref="SegmentCounter"/> counts them.</summary>
public static class MessageSplitter
{
    /// <summary>
    /// The parts, in order. A body that fits one SMS (including the empty body) is returned as a single part;
    /// otherwise parts follow the concatenated limits (153 septets / 67 UTF-16 units) without splitting an escape
    /// pair or a surrogate pair.
    /// </summary>
    public static IReadOnlyList<string> Split(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var info = SegmentCounter.Count(body);
        if (info.MessageCount == 1)
        {
            return [body];
        }

        var parts = new List<string>(info.MessageCount);
        var start = 0;
        while (start < body.Length)
        {
            var end = SegmentCounter.NextPartEnd(body, start, info.Encoding);
            parts.Add(body[start..end]);
            start = end;
        }

        return parts;
    }
}
