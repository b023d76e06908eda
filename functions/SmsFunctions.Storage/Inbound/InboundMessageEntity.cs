using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.Inbound;

/// <summary>
/// One inbound (mobile-originated) message: <c>Inbound</c>, PK <c>{accountId}|{first 10 id digits}</c> (the account's
/// rows newest first, as messages are), RK the id. Messages to a number nobody owns are kept under the account
/// <see cref="InboundMessageStore.Unroutable"/>.
/// </summary>
public sealed class InboundMessageEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string AccountId { get; set; } = string.Empty;

    /// <summary>The handset (E.164 when it parses as a number, else as the carrier gave it).</summary>
    public string From { get; set; } = string.Empty;

    /// <summary>Our number or short code.</summary>
    public string To { get; set; } = string.Empty;

    public string Text { get; set; } = string.Empty;

    /// <summary><c>GSM-7</c>, <c>UCS-2</c> or <c>8-BIT</c>, as the carrier reported the coding.</summary>
    public string Encoding { get; set; } = "GSM-7";

    /// <summary>SMS parts the message arrived in (1 unless the carrier passed parts that were joined).</summary>
    public int Parts { get; set; } = 1;

    public DateTimeOffset ReceivedAt { get; set; }

    /// <summary>When the carrier says the handset sent it, if it says.</summary>
    public DateTimeOffset? SentAt { get; set; }

    public string Carrier { get; set; } = string.Empty;

    public string? CarrierMessageId { get; set; }

    public string? Smsc { get; set; }

    /// <summary>The latest message this account sent to <see cref="From"/> from <see cref="To"/> in the last 7 days.</summary>
    public string? InReplyTo { get; set; }

    /// <summary><c>STOP</c>, <c>START</c> or <c>HELP</c> when the whole text was that keyword.</summary>
    public string? Keyword { get; set; }

    [IgnoreDataMember]
    public string Id => RowKey;
}
