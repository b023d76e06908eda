using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Accounts;

/// <summary>Accounts: creation, reads, the blocked flag. Credit changes go through <see cref="CreditLedger"/>.</summary>
public sealed class AccountStore(SmsTables tables, TimeProvider time) : IDisposable
{
    private const int MaxAttempts = 20;

    /// <summary>Creates an account with a fresh id and webhook secret. The opening credit is booked by the caller through the ledger.</summary>
    public async Task<AccountEntity> CreateAsync(string name, string currency, int rateLimitPerSecond, CancellationToken cancellationToken = default)
    {
        var entity = new AccountEntity
        {
            RowKey = "acc_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10)),
            Name = name,
            Currency = currency,
            Credit = TableValues.Money(0m),
            RateLimitPerSecond = rateLimitPerSecond,
            WebhookSecret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            CreatedAt = time.GetUtcNow(),
        };
        var response = await tables.Accounts.AddEntityAsync(entity, cancellationToken);
        entity.ETag = response.Headers.ETag ?? default;
        return entity;
    }

    /// <summary>How long <see cref="GetRecentAsync"/> may answer from memory. A block or unblock made by this process
    /// is seen at once; one made by another instance within this time.</summary>
    public static readonly TimeSpan RecentFor = TimeSpan.FromSeconds(5);

    private readonly RecentRows<AccountEntity> _recent = new(RecentFor, 10_000, a => a.Copy(), time);

    /// <summary>
    /// The account as read at most <see cref="RecentFor"/> ago, for the send path: every send needs the account's
    /// price list and blocked flag, and one read per send was a quarter of a message's table operations. Never
    /// for balances (the ledger keeps those) or anything written back.
    /// </summary>
    public async Task<AccountEntity?> GetRecentAsync(string accountId, CancellationToken cancellationToken = default)
    {
        if (_recent.TryGet(accountId, out var kept))
        {
            return kept;
        }

        var account = await GetAsync(accountId, cancellationToken);
        if (account is null)
        {
            _recent.Remove(accountId);
            return null;
        }

        _recent.Set(accountId, account);
        return account;
    }

    public async Task<AccountEntity?> GetAsync(string accountId, CancellationToken cancellationToken = default)
    {
        if (!IsValidKey(accountId))
        {
            return null;
        }

        var response = await tables.Accounts.GetEntityIfExistsAsync<AccountEntity>(AccountEntity.Partition, accountId, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Sets or clears the blocked flag (ETag-guarded, retried on conflict). Returns the updated account, or null when it does not exist.</summary>
    public async Task<AccountEntity?> SetBlockedAsync(string accountId, bool blocked, string? reason, CancellationToken cancellationToken = default)
    {
        _recent.Remove(accountId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var account = await GetAsync(accountId, cancellationToken);
            if (account is null)
            {
                return null;
            }

            var patch = new TableEntity(AccountEntity.Partition, accountId)
            {
                [nameof(AccountEntity.Blocked)] = blocked,
                [nameof(AccountEntity.BlockedReason)] = blocked ? reason : string.Empty,
                [nameof(AccountEntity.BlockedAt)] = blocked ? time.GetUtcNow() : null,
            };
            try
            {
                await tables.Accounts.UpdateEntityAsync(patch, account.ETag, TableUpdateMode.Merge, cancellationToken);
                account.Blocked = blocked;
                account.BlockedReason = blocked ? reason : string.Empty;
                _recent.Remove(accountId);
                return account;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                await Task.Delay(Jitter.Next(attempt), time, cancellationToken);
            }
        }

        throw new InvalidOperationException($"Could not update account {accountId} after {MaxAttempts} attempts.");
    }

    /// <summary>Merges <paramref name="patch"/>'s properties into the account (ETag-guarded, retried on conflict).
    /// Returns the account as read before the merge with the patch applied, or null when it does not exist.</summary>
    public async Task<AccountEntity?> UpdateSettingsAsync(string accountId, IReadOnlyDictionary<string, object?> patch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(patch);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var account = await GetAsync(accountId, cancellationToken);
            if (account is null)
            {
                return null;
            }

            var entity = new TableEntity(AccountEntity.Partition, accountId);
            foreach (var (name, value) in patch)
            {
                entity[name] = value;
            }

            try
            {
                await tables.Accounts.UpdateEntityAsync(entity, account.ETag, TableUpdateMode.Merge, cancellationToken);
                _recent.Remove(accountId);
                return await GetAsync(accountId, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                await Task.Delay(Jitter.Next(attempt), time, cancellationToken);
            }
        }

        throw new InvalidOperationException($"Could not update account {accountId} after {MaxAttempts} attempts.");
    }

    /// <summary>Row keys may not contain / \ # ? or control characters; anything else cannot be an account id.</summary>
    internal static bool IsValidKey(string? key)
        => !string.IsNullOrEmpty(key) && key.Length <= 64 && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-');

    public void Dispose() => _recent.Dispose();
}
