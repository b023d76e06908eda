using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.Idempotency;

/// <summary>An <c>Idempotency-Key</c> seen from an account: PK account id, RK SHA-256 hex of the key.</summary>
public sealed class IdempotencyEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    /// <summary>SHA-256 hex of the request (method, path and body) the key was first used with.</summary>
    public string RequestHash { get; set; } = string.Empty;

    /// <summary>0 while the first request is still being processed, then the HTTP status it was answered with.</summary>
    public int Status { get; set; }

    /// <summary>The answer's body (UTF-8 JSON), split into properties of at most 64 KiB each (a table property's limit).</summary>
    public byte[]? Body0 { get; set; }

    public byte[]? Body1 { get; set; }

    public byte[]? Body2 { get; set; }

    public byte[]? Body3 { get; set; }

    /// <summary>When the key's first request began (kept when it is resumed: the message id derives from it).</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The process (<see cref="IdempotencyStore.Instance"/>) working on the request while it is pending.</summary>
    public string? Owner { get; set; }

    /// <summary>When <see cref="Owner"/> began or resumed it.</summary>
    public DateTimeOffset? OwnedSince { get; set; }
}
