using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.Tokens;

/// <summary>A bearer token: <c>Tokens</c> table, PK <c>token</c>, RK the SHA-256 hex of the token (the token itself is never stored).</summary>
public sealed class TokenEntity : ITableEntity
{
    public const string Partition = "token";

    public string PartitionKey { get; set; } = Partition;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string AccountId { get; set; } = string.Empty;

    /// <summary>Space-separated scopes.</summary>
    public string Scopes { get; set; } = string.Empty;

    public DateTimeOffset ExpiresAt { get; set; }

    public bool Revoked { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    [IgnoreDataMember]
    public string Id => RowKey;

    [IgnoreDataMember]
    public IReadOnlyList<string> ScopeList => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
