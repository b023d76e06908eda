using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.Messages;

/// <summary>
/// One recipient of a message: <c>Recipients</c> table, PK message id, RK the E.164 number. The body is not stored
/// per recipient: it is rendered at dispatch from the message's template and <see cref="FieldsJson"/>.
/// </summary>
public sealed class RecipientEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    /// <summary>A field-by-field copy (all properties are values or immutable strings).</summary>
    public RecipientEntity Copy() => (RecipientEntity)MemberwiseClone();

    [IgnoreDataMember]
    public string MessageId => RecipientKeys.MessageIdOf(PartitionKey);

    [IgnoreDataMember]
    public string Number => RowKey;

    public string AccountId { get; set; } = string.Empty;

    /// <summary>API spelling of the recipient state.</summary>
    public string State { get; set; } = string.Empty;

    public string Price { get; set; } = "0";

    public int Parts { get; set; }

    public string? CountryCode { get; set; }

    /// <summary>Template values as JSON object, or null.</summary>
    public string? FieldsJson { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }

    public string? Carrier { get; set; }

    public string? CarrierReference { get; set; }

    public int Attempts { get; set; }

    public string? RoutingJson { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorDetail { get; set; }

    /// <summary>The dispatch claim holding (or that last held) the recipient; null before the first claim.</summary>
    public string? ClaimId { get; set; }

    /// <summary>The carrier may or may not have the SMS (FAILED with DISPATCH_OUTCOME_UNKNOWN): charged, never re-sent.</summary>
    public bool OutcomeUnknown { get; set; }

    /// <summary>Null (charged), <c>Due</c> (certainly never reached a carrier, refund owed) or <c>Paid</c>.</summary>
    public string? Refund { get; set; }

    /// <summary>When the refund's ledger line was recorded.</summary>
    public DateTimeOffset? RefundedAt { get; set; }
}
