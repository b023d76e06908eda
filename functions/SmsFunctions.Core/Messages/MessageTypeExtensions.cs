namespace SmsFunctions.Core.Messages;

public static class MessageTypeExtensions
{
    /// <summary>The API spelling: <c>otp</c>, <c>transactional</c>, <c>promotional</c>.</summary>
    public static string ToApiName(this MessageType type) => type switch
    {
        MessageType.Otp => "otp",
        MessageType.Transactional => "transactional",
        MessageType.Promotional => "promotional",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown message type."),
    };

    /// <summary>Parses the API spelling, case-insensitively.</summary>
    public static bool TryParseApiName(string? name, out MessageType type)
    {
        foreach (var candidate in (ReadOnlySpan<MessageType>)[MessageType.Otp, MessageType.Transactional, MessageType.Promotional])
        {
            if (string.Equals(name, candidate.ToApiName(), StringComparison.OrdinalIgnoreCase))
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }
}
