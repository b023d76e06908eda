using System.Buffers.Text;
using System.Security.Cryptography;
using Azure;
using Microsoft.Extensions.Caching.Memory;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Tokens;

/// <summary>
/// Bearer tokens (<c>smsk_</c> + base64url of 32 random bytes), stored as SHA-256 hashes. Validated tokens are cached
/// in memory for <see cref="CacheDuration"/>: a revocation takes effect in this process at once and in other
/// processes within that time.
/// </summary>
public sealed class TokenStore(SmsTables tables, TimeProvider time, IMemoryCache cache)
{
    public const string Prefix = "smsk_";
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(30);
    private const int SecretBytes = 32;
    private static readonly int EncodedLength = Prefix.Length + Base64Url.GetEncodedLength(SecretBytes);

    public async Task<IssuedToken> CreateAsync(string accountId, IEnumerable<string> scopes, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var token = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        var entity = new TokenEntity
        {
            RowKey = Hash(token),
            AccountId = accountId,
            Scopes = string.Join(' ', scopes.Distinct(StringComparer.Ordinal)),
            ExpiresAt = expiresAt,
            CreatedAt = time.GetUtcNow(),
        };
        await tables.Tokens.AddEntityAsync(entity, cancellationToken);
        return new IssuedToken(token, entity);
    }

    /// <summary>The token's record when it is well formed, known, not revoked and not expired; otherwise null.</summary>
    public async Task<TokenEntity?> ValidateAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (!IsWellFormed(token))
        {
            return null;
        }

        var hash = Hash(token!);
        var key = CacheKey(hash);
        if (!cache.TryGetValue(key, out TokenEntity? record))
        {
            var response = await tables.Tokens.GetEntityIfExistsAsync<TokenEntity>(TokenEntity.Partition, hash, cancellationToken: cancellationToken);
            record = response.HasValue ? response.Value : null;
            cache.Set(key, record, CacheDuration);
        }

        return record is { Revoked: false } && record.ExpiresAt > time.GetUtcNow() ? record : null;
    }

    public async Task<TokenEntity?> GetAsync(string tokenId, CancellationToken cancellationToken = default)
    {
        if (!IsHash(tokenId))
        {
            return null;
        }

        var response = await tables.Tokens.GetEntityIfExistsAsync<TokenEntity>(TokenEntity.Partition, tokenId, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Marks the token revoked. False when there is no such token.</summary>
    public async Task<bool> RevokeAsync(string tokenId, CancellationToken cancellationToken = default)
    {
        if (!IsHash(tokenId))
        {
            return false;
        }

        try
        {
            var patch = new Azure.Data.Tables.TableEntity(TokenEntity.Partition, tokenId) { [nameof(TokenEntity.Revoked)] = true };
            await tables.Tokens.UpdateEntityAsync(patch, ETag.All, Azure.Data.Tables.TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }

        cache.Remove(CacheKey(tokenId));
        return true;
    }

    public static string Hash(string token) => TableValues.Sha256Hex(token);

    public static bool IsWellFormed(string? token)
        => token is not null && token.Length == EncodedLength && token.StartsWith(Prefix, StringComparison.Ordinal)
           && Base64Url.IsValid(token.AsSpan(Prefix.Length));

    private static bool IsHash(string? id) => id is { Length: 64 } && id.All(char.IsAsciiHexDigitLower);

    private static string CacheKey(string hash) => "sms-token:" + hash;
}
