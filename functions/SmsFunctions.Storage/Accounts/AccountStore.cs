using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Accounts;

/// <summary>Accounts: creation, reads, the blocked flag. Credit changes go through <see cref="CreditLedger"/>.</summary>
public sealed class AccountStore(SmsTables tables, TimeProvider time)
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
                return account;
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
}
