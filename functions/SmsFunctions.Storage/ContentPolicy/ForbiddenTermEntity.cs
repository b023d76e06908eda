using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.ContentPolicy;

/// <summary>A forbidden word or phrase: PK <c>term</c>, RK the SHA-256 hex of the lower-case term.</summary>
public sealed class ForbiddenTermEntity : ITableEntity
{
    public const string Partition = "term";

    public string PartitionKey { get; set; } = Partition;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string Term { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }
}
