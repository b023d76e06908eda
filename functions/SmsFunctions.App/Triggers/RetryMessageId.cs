using System.Globalization;

namespace SmsFunctions.App.Triggers;

/// <summary>
/// The id of a message re-sent for a delayed retry: the original id plus a retry number (<c>abc</c> → <c>abc~r1</c> →
/// <c>abc~r2</c>). It is derived, not random, so that if the same delivery is re-sent twice (the host redelivered after
/// our answer was lost) Service Bus duplicate detection drops the second copy.
/// </summary>
public static class RetryMessageId
{
    private const string Marker = "~r";

    public static string Next(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var marker = id.LastIndexOf(Marker, StringComparison.Ordinal);
        if (marker > 0 && int.TryParse(id.AsSpan(marker + Marker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var attempt) && attempt < int.MaxValue)
        {
            return string.Concat(id.AsSpan(0, marker), Marker, (attempt + 1).ToString(CultureInfo.InvariantCulture));
        }
        return id + Marker + "1";
    }
}
