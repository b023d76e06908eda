using System.Text.Json.Serialization;

namespace SmsFunctions.App.Api.Messages;

/// <summary>
/// The message object: every field of the seed-002 response, then what this gateway adds (type, priority,
/// scheduling, invalid recipients, recipients per state, and a bounded per-recipient summary).
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

    /// <summary>Recipients per state (<c>{"QUEUED": 3}</c>).</summary>
    public IReadOnlyDictionary<string, int> RecipientStates { get; init; } = new Dictionary<string, int>();

    /// <summary>The first recipients (at most 100), on answers that have them at hand.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<RecipientSummaryView>? RecipientSummary { get; init; }

    /// <summary>Characters smart encoding replaced.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SmartReplacementView>? SmartReplacements { get; init; }
}

public sealed record InvalidRecipientView(string Input, string Code, string Reason);

public sealed record RecipientSummaryView(string Number, string State, decimal Price, int Parts);

public sealed record SmartReplacementView(string Original, string Replacement, int Count);
