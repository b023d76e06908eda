using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.Inbound;

/// <summary>An inbound number (long code or short code) and the one account that owns it: <c>Numbers</c>, PK
/// <c>number</c>, RK the number (E.164 or the short code's digits).</summary>
public sealed class InboundNumberEntity : ITableEntity
{
    public const string Partition = "number";

    public string PartitionKey { get; set; } = Partition;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string AccountId { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }
}
