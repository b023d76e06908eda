using System.Text.Json.Serialization;

namespace SmsFunctions.App.Api.Messages;

/// <summary>
/// The message object: every field of the seed-002 response, then what this gateway adds (type, priority,
/// scheduling, invalid recipients, recipients per state, and a bounded per-recipient summary). The API answers it; a
/// webhook posts it as one recipient sees it (<see cref="MessageViews.ForRecipient"/>): that recipient's state, number,
/// body, parts, price and dates in the same members, plus its recipient members (carrier, error, refund).
/// </summary>
public sealed record MessageView
{
    public string? Id { get; init; }

    public string Username { get; init; } = string.Empty;

    public string State { get; init; } = string.Empty;

    public string Sender { get; init; } = string.Empty;

    /// <summary>The first (or only) recipient.</summary>
    public string? Recipient { get; init; }

    /// <summary>How many valid recipients the message has.</summary>
    public int Recipients { get; init; }

    public string? InternationalPrefix { get; init; }

    public string? CountryCode { get; init; }

    public string Message { get; init; } = string.Empty;

    public string Encoding { get; init; } = string.Empty;

    public int CharactersCount { get; init; }

    public int MessageCount { get; init; }

    public decimal Price { get; init; }

    public decimal TotalPrice { get; init; }

    public bool Blocklisted { get; init; }

    public string? BlocklistedReason { get; init; }

    public MessageOptionsDto? Options { get; init; }

    public CallbackDto? Callback { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    public DateTimeOffset? SentAt { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }

    public string Type { get; init; } = string.Empty;

    public decimal Priority { get; init; }

    public bool Flash { get; init; }

    public DateTimeOffset? ScheduledAt { get; init; }

    /// <summary>Seed 003's name for <see cref="ScheduledAt"/>, echoed so its clients read back what they sent.</summary>
    [JsonPropertyName("timestamp_send")]
    public DateTimeOffset? TimestampSend => ScheduledAt;

    public int? ValidityPeriod { get; init; }

    public DateTimeOffset? ValidUntil { get; init; }

    public string? Currency { get; init; }

    public decimal? Penalty { get; init; }

    public IReadOnlyList<InvalidRecipientView> InvalidRecipients { get; init; } = [];

    public int InvalidRecipientCount { get; init; }

    /// <summary>Recipients per state (<c>{"QUEUED": 3}</c>); a recipient's view has it only when the message row keeps the counts.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, int>? RecipientStates { get; init; } = new Dictionary<string, int>();

    /// <summary>The first recipients (at most 100), on answers that have them at hand.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<RecipientSummaryView>? RecipientSummary { get; init; }

    /// <summary>Characters smart encoding replaced.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SmartReplacementView>? SmartReplacements { get; init; }

    /// <summary>The carrier that took the recipient's SMS (a recipient's view only).</summary>
    [RecipientMember]
    public string? Carrier { get; init; }

    [RecipientMember]
    public string? ErrorCode { get; init; }

    [RecipientMember]
    public string? ErrorDetail { get; init; }

    /// <summary>FAILED, but the carrier may have it: charged, never sent again (a recipient's view only).</summary>
    [RecipientMember]
    public bool OutcomeUnknown { get; init; }

    /// <summary>DUE or PAID when the recipient certainly never reached a carrier (a recipient's view only).</summary>
    [RecipientMember]
    public string? Refund { get; init; }

    [RecipientMember]
    public DateTimeOffset? RefundedAt { get; init; }

    /// <summary>Whether this is the view of one recipient (a webhook's), which writes the recipient members.</summary>
    [JsonIgnore]
    public bool OfRecipient { get; init; }
}

public sealed record InvalidRecipientView(string Input, string Code, string Reason);

public sealed record RecipientSummaryView(string Number, string State, decimal Price, int Parts);

public sealed record SmartReplacementView(string Original, string Replacement, int Count);
