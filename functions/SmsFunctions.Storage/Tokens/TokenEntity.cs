using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.Tokens;

/// <summary>A bearer token: <c>Tokens</c> table, PK <c>token-{first two hex digits of the hash}</c> (256 partitions, so
/// lookups of random tokens do not all land on one; rows written before that are in <see cref="LegacyPartition"/>), RK
/// the SHA-256 hex of the token (the token itself is never stored). The API names a token by <see cref="PublicId"/>,
/// never by its hash.</summary>
public sealed class TokenEntity : ITableEntity
{
    public const string LegacyPartition = "token";

    public string PartitionKey { get; set; } = LegacyPartition;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string AccountId { get; set; } = string.Empty;

    /// <summary>Space-separated scopes.</summary>
    public string Scopes { get; set; } = string.Empty;

    public DateTimeOffset ExpiresAt { get; set; }

    public bool Revoked { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The id the API shows (<c>tok_</c> + 24 hex digits, random); null on rows older than it.</summary>
    public string? PublicId { get; set; }

    /// <summary>The hash (<see cref="Id"/>) of the token that minted this one; null when the admin key did. A token is
    /// valid only while its parent is.</summary>
    public string? ParentId { get; set; }

    public static string PartitionOf(string hash) => "token-" + hash[..2];

    [IgnoreDataMember]
    public string Id => RowKey;

    /// <summary>What the API calls the token: <see cref="PublicId"/>, or for an older row its hash.</summary>
    [IgnoreDataMember]
    public string ApiId => PublicId ?? RowKey;

    [IgnoreDataMember]
    public IReadOnlyList<string> ScopeList => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
