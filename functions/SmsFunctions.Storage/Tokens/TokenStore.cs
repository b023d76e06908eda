using System.Buffers.Text;
using System.Security.Cryptography;
using Azure;
using Microsoft.Extensions.Caching.Memory;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Tokens;

/// <summary>
/// Bearer tokens (<c>smsk_</c> + base64url of 32 random bytes), stored as SHA-256 hashes. Validated tokens are cached
/// in memory for <see cref="CacheDuration"/>: a revocation takes effect in this process at once and in other
/// processes within that time. Unknown hashes are remembered in a separate cache of at most
/// <see cref="MaxUnknownCached"/> entries, so random tokens cannot grow memory without bound. A token minted by a
/// token is valid only while its parent is, and revoking a token revokes everything minted from it.
/// </summary>
public sealed class TokenStore(SmsTables tables, TimeProvider time, IMemoryCache cache) : IDisposable
{
    public const string Prefix = "smsk_";
    public const string PublicIdPrefix = "tok_";
    public const int MaxUnknownCached = 10_000;
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(30);
    private const int SecretBytes = 32;
    private const int MaxChainDepth = 16;
    private static readonly int EncodedLength = Prefix.Length + Base64Url.GetEncodedLength(SecretBytes);
    private readonly MemoryCache _unknown = new(new MemoryCacheOptions { SizeLimit = MaxUnknownCached });

    public Task<IssuedToken> CreateAsync(string accountId, IEnumerable<string> scopes, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
        => CreateAsync(accountId, scopes, expiresAt, parentId: null, cancellationToken);

    /// <summary>Mints a token; <paramref name="parentId"/> is the hash of the token that mints it (null for the admin).</summary>
    public async Task<IssuedToken> CreateAsync(string accountId, IEnumerable<string> scopes, DateTimeOffset expiresAt, string? parentId, CancellationToken cancellationToken = default)
    {
        var token = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        var hash = Hash(token);
        var entity = new TokenEntity
        {
            PartitionKey = TokenEntity.PartitionOf(hash),
            RowKey = hash,
            AccountId = accountId,
            Scopes = string.Join(' ', scopes.Distinct(StringComparer.Ordinal)),
            ExpiresAt = expiresAt,
            CreatedAt = time.GetUtcNow(),
            PublicId = PublicIdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
            ParentId = parentId,
        };
        await tables.Tokens.AddEntityAsync(entity, cancellationToken);
        return new IssuedToken(token, entity);
    }

    /// <summary>The token's record when it is well formed, known, not revoked, not expired, and every token above it
    /// (the one that minted it, and so on) is too; otherwise null.</summary>
    public async Task<TokenEntity?> ValidateAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (!IsWellFormed(token))
        {
            return null;
        }

        var record = await LookupAsync(Hash(token!), cancellationToken);
        var now = time.GetUtcNow();
        for (var (link, depth) = (record, 0); link is not null; depth++)
        {
            if (link.Revoked || link.ExpiresAt <= now || depth > MaxChainDepth)
            {
                return null;
            }

            link = link.ParentId is { } parent ? await LookupAsync(parent, cancellationToken) ?? Missing : null;
        }

        return record;
    }

    /// <summary>The token named by its API id (<see cref="TokenEntity.ApiId"/>) or, for older clients, its hash.</summary>
    public async Task<TokenEntity?> GetAsync(string tokenId, CancellationToken cancellationToken = default)
    {
        if (IsHash(tokenId))
        {
            return await ReadAsync(tokenId, cancellationToken);
        }

        if (!IsPublicId(tokenId))
        {
            return null;
        }

        await foreach (var row in tables.Tokens.QueryAsync<TokenEntity>($"PublicId eq {TableValues.Quote(tokenId)}", cancellationToken: cancellationToken))
        {
            return row;
        }

        return null;
    }

    /// <summary>Every token of the account, oldest first.</summary>
    public async Task<IReadOnlyList<TokenEntity>> ListAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var rows = new List<TokenEntity>();
        await foreach (var row in tables.Tokens.QueryAsync<TokenEntity>($"AccountId eq {TableValues.Quote(accountId)}", cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return [.. rows.OrderBy(r => r.CreatedAt)];
    }

    /// <summary>Marks the token and every token minted from it (transitively) revoked. False when there is no such token.</summary>
    public async Task<bool> RevokeAsync(string tokenId, CancellationToken cancellationToken = default)
    {
        var token = await GetAsync(tokenId, cancellationToken);
        if (token is null)
        {
            return false;
        }

        // Validation already refuses descendants of a revoked token; marking them makes it visible and permanent.
        var all = await ListAsync(token.AccountId, cancellationToken);
        var doomed = new List<TokenEntity> { token };
        for (var i = 0; i < doomed.Count; i++)
        {
            doomed.AddRange(all.Where(t => t.ParentId == doomed[i].Id && doomed.TrueForAll(d => d.Id != t.Id)));
        }

        foreach (var row in doomed)
        {
            try
            {
                var patch = new Azure.Data.Tables.TableEntity(row.PartitionKey, row.RowKey) { [nameof(TokenEntity.Revoked)] = true };
                await tables.Tokens.UpdateEntityAsync(patch, ETag.All, Azure.Data.Tables.TableUpdateMode.Merge, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Gone meanwhile: nothing to revoke.
            }

            cache.Remove(CacheKey(row.Id));
        }

        return true;
    }

    public static string Hash(string token) => TableValues.Sha256Hex(token);

    public static bool IsWellFormed(string? token)
        => token is not null && token.Length == EncodedLength && token.StartsWith(Prefix, StringComparison.Ordinal)
           && Base64Url.IsValid(token.AsSpan(Prefix.Length));

    public void Dispose() => _unknown.Dispose();

    private static readonly TokenEntity Missing = new() { Revoked = true };

    private async Task<TokenEntity?> LookupAsync(string hash, CancellationToken cancellationToken)
    {
        var key = CacheKey(hash);
        if (cache.TryGetValue(key, out TokenEntity? record) || _unknown.TryGetValue(key, out _))
        {
            return record;
        }

        record = await ReadAsync(hash, cancellationToken);
        if (record is null)
        {
            _unknown.Set(key, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = CacheDuration });
        }
        else
        {
            cache.Set(key, record, CacheDuration);
        }

        return record;
    }

    private async Task<TokenEntity?> ReadAsync(string hash, CancellationToken cancellationToken)
    {
        var response = await tables.Tokens.GetEntityIfExistsAsync<TokenEntity>(TokenEntity.PartitionOf(hash), hash, cancellationToken: cancellationToken);
        if (response.HasValue)
        {
            return response.Value;
        }

        // Rows written before the partitions were spread.
        var legacy = await tables.Tokens.GetEntityIfExistsAsync<TokenEntity>(TokenEntity.LegacyPartition, hash, cancellationToken: cancellationToken);
        return legacy.HasValue ? legacy.Value : null;
    }

    private static bool IsHash(string? id) => id is { Length: 64 } && id.All(char.IsAsciiHexDigitLower);

    private static bool IsPublicId(string? id) =>
        id is { Length: 28 } && id.StartsWith(PublicIdPrefix, StringComparison.Ordinal) && id.Skip(PublicIdPrefix.Length).All(char.IsAsciiHexDigitLower);

    private static string CacheKey(string hash) => "sms-token:" + hash;
}
