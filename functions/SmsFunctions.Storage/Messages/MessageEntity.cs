using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.Messages;

/// <summary>
/// A message: <c>Messages</c> table, PK <c>{account id}|{first 8 hex digits of the id}</c> (about 4 s of messages per
/// partition, see <see cref="Tables.AccountPartitions"/>), RK message id (ids sort newest first, so the account's
/// partition-key range is the newest-first list). Holds every field of the API's message object; options and callback as JSON.
/// States are stored in their API spelling (<c>QUEUED</c>, <c>SCHEDULED</c> …).
/// </summary>
public sealed class MessageEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    /// <summary>A field-by-field copy (all properties are values or immutable strings).</summary>
    public MessageEntity Copy() => (MessageEntity)MemberwiseClone();

    [IgnoreDataMember]
    public string AccountId => Tables.AccountPartitions.AccountOf(PartitionKey);

    /// <summary>Hex digits of the id that name its partition: all but the last 3 of its 11 time digits, so 16^3 ms,
    /// about 4 s of the account's messages.</summary>
    public const int BucketDigits = SmsFunctions.Core.Messages.MessageId.TimeDigits - 3;

    /// <summary>The partition key of message <paramref name="messageId"/> of <paramref name="accountId"/>.</summary>
    public static string PartitionKeyOf(string accountId, string messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        return Tables.AccountPartitions.Of(accountId, messageId.Length >= BucketDigits ? messageId[..BucketDigits] : messageId);
    }

    [IgnoreDataMember]
    public string Id => RowKey;

    /// <summary>The account's name (the seed API's <c>username</c>).</summary>
    public string Username { get; set; } = string.Empty;

    public string State { get; set; } = string.Empty;

    /// <summary><see cref="DispatchStates"/>: where the pipeline is with the message.</summary>
    public string DispatchState { get; set; } = DispatchStates.Pending;

    public string Sender { get; set; } = string.Empty;

    /// <summary>The first (or only) recipient, E.164.</summary>
    public string? Recipient { get; set; }

    public int RecipientCount { get; set; }

    public string? InternationalPrefix { get; set; }

    public string? CountryCode { get; set; }

    /// <summary>The body as sent by the client (a template when it has placeholders; rendered per recipient at dispatch).</summary>
    public string Body { get; set; } = string.Empty;

    public string Encoding { get; set; } = string.Empty;

    public int CharactersCount { get; set; }

    public int MessageCount { get; set; }

    /// <summary>Price of one recipient's SMS (of the first recipient when prices differ by country).</summary>
    public string Price { get; set; } = "0";

    public string TotalPrice { get; set; } = "0";

    public bool Blocklisted { get; set; }

    public string? BlocklistedReason { get; set; }

    /// <summary>Penalty charged when the content policy blocked the message.</summary>
    public string? Penalty { get; set; }

    public string? OptionsJson { get; set; }

    public string? CallbackJson { get; set; }

    /// <summary><c>otp</c>, <c>transactional</c> or <c>promotional</c>.</summary>
    public string Type { get; set; } = string.Empty;

    public string Priority { get; set; } = "1.00";

    /// <summary>Dispatch band name (<c>High</c>, <c>Normal</c>, <c>Low</c>).</summary>
    public string Band { get; set; } = string.Empty;

    public bool Flash { get; set; }

    public bool SmartEncoding { get; set; }

    public DateTimeOffset? ScheduledAt { get; set; }

    /// <summary>When the Schedule row for this message is due (now for immediate sends); null for drafts and blocked messages.</summary>
    public DateTimeOffset? DueAt { get; set; }

    public int? ValidityPeriodMinutes { get; set; }

    public DateTimeOffset? ValidUntil { get; set; }

    /// <summary>The first invalid recipients (bounded) as JSON <c>[{input, code, reason}]</c>.</summary>
    public string? InvalidRecipientsJson { get; set; }

    public int InvalidRecipientCount { get; set; }

    /// <summary>Recipients per API state as JSON (<c>{"QUEUED": 10, "DELIVERED": 3}</c>), kept by whoever changes recipients in bulk.</summary>
    public string? StateCountsJson { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public DateTimeOffset? CancelledAt { get; set; }

    /// <summary>Set on a tombstone: the request that was to store this message died after its outbox row was written
    /// and never stored it; whatever it charged was refunded (<c>refund:{id}</c>), and this row stops a late retry of
    /// that request from storing it now.</summary>
    public DateTimeOffset? AbandonedAt { get; set; }
}
