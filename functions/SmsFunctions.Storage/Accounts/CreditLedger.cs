using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Accounts;

/// <summary>
/// The account balance and its ledger. The balance lives on the account row and every change is an ETag-guarded
/// merge, retried with jitter on 412, so concurrent debits from any number of processes never overdraw. Within one
/// process debits of an account are serialised by a semaphore and the last ETag is kept, so an uncontended debit is
/// one round trip. Each change appends a <see cref="LedgerEntry"/> (after the balance moved: a crash in between
/// loses a ledger line, never money).
/// </summary>
public sealed partial class CreditLedger(SmsTables tables, TimeProvider time, ILogger<CreditLedger> logger)
{
    private const int MaxAttempts = 50;
    private readonly ConcurrentDictionary<string, AccountBalance> _balances = new(StringComparer.Ordinal);

    /// <summary>Takes <paramref name="amount"/> if the balance covers it; otherwise nothing changes and the shortfall is reported.</summary>
    public Task<DebitResult> TryDebitAsync(string accountId, decimal amount, string kind, string? messageId, CancellationToken cancellationToken = default)
        => ChangeAsync(accountId, -amount, kind, messageId, capAtBalance: false, cancellationToken);

    /// <summary>Takes <paramref name="amount"/>, or the whole balance when it is smaller (penalties never overdraw either).</summary>
    public Task<DebitResult> DebitUpToAsync(string accountId, decimal amount, string kind, string? messageId, CancellationToken cancellationToken = default)
        => ChangeAsync(accountId, -amount, kind, messageId, capAtBalance: true, cancellationToken);

    /// <summary>Adds credit (top-up or refund) and returns the new balance, or null when the account does not exist.</summary>
    public async Task<decimal?> AddAsync(string accountId, decimal amount, string kind, string? messageId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var result = await ChangeAsync(accountId, amount, kind, messageId, capAtBalance: false, cancellationToken);
        return result.AccountExists ? result.Balance : null;
    }

    /// <summary>The current balance, read from the table.</summary>
    public async Task<decimal?> GetBalanceAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var account = await ReadAsync(accountId, cancellationToken);
        return account?.Balance;
    }

    /// <summary>The account's ledger, newest first.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> ListAsync(string accountId, int max = 1000, CancellationToken cancellationToken = default)
    {
        var entries = new List<LedgerEntry>();
        await foreach (var entry in tables.Ledger.QueryAsync<LedgerEntry>(e => e.PartitionKey == accountId, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken))
        {
            entries.Add(entry);
            if (entries.Count >= max)
            {
                break;
            }
        }

        return entries;
    }

    private async Task<DebitResult> ChangeAsync(string accountId, decimal delta, string kind, string? messageId, bool capAtBalance, CancellationToken cancellationToken)
    {
        if (!AccountStore.IsValidKey(accountId))
        {
            return DebitResult.NoAccount;
        }

        var state = _balances.GetOrAdd(accountId, static _ => new AccountBalance());
        await state.Gate.WaitAsync(cancellationToken);
        try
        {
            var refreshed = false;
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                if (state.ETag is null)
                {
                    var current = await ReadAsync(accountId, cancellationToken);
                    if (current is null)
                    {
                        return DebitResult.NoAccount;
                    }

                    state.Remember(current.Value.Balance, current.Value.ETag);
                    refreshed = true;
                }

                var balance = state.Balance;
                var applied = delta;
                if (delta < 0 && balance + delta < 0)
                {
                    if (!refreshed)
                    {
                        // The remembered balance may be stale (a top-up elsewhere): decide only on a fresh read.
                        state.Forget();
                        continue;
                    }

                    if (!capAtBalance)
                    {
                        return new DebitResult(false, balance, -delta - balance);
                    }

                    applied = -Math.Max(0m, balance);
                }

                var after = balance + applied;
                var patch = new TableEntity(AccountEntity.Partition, accountId) { [nameof(AccountEntity.Credit)] = TableValues.Money(after) };
                try
                {
                    var response = await tables.Accounts.UpdateEntityAsync(patch, state.ETag!.Value, TableUpdateMode.Merge, cancellationToken);
                    state.Remember(after, response.Headers.ETag ?? default);
                }
                catch (RequestFailedException ex) when (ex.Status is 412 or 404)
                {
                    state.Forget();
                    refreshed = false;
                    if (ex.Status == 404)
                    {
                        continue;
                    }

                    LogConflict(accountId, attempt + 1);
                    await Task.Delay(Jitter.Next(attempt), time, cancellationToken);
                    continue;
                }

                if (applied != 0m)
                {
                    await AppendAsync(accountId, kind, applied, after, messageId, cancellationToken);
                }

                return new DebitResult(true, after, 0m);
            }

            throw new InvalidOperationException($"The balance of account {accountId} could not be changed after {MaxAttempts} attempts.");
        }
        catch
        {
            state.Forget();
            throw;
        }
        finally
        {
            state.Gate.Release();
        }
    }

    private async Task AppendAsync(string accountId, string kind, decimal amount, decimal balanceAfter, string? messageId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entry = new LedgerEntry
        {
            PartitionKey = accountId,
            RowKey = TableValues.NewestFirstKey(now),
            Kind = kind,
            Amount = TableValues.Money(amount),
            BalanceAfter = TableValues.Money(balanceAfter),
            MessageId = messageId,
            At = now,
        };

        // The balance already moved; the ledger line must not be lost to a cancelled request.
        await tables.Ledger.AddEntityAsync(entry, CancellationToken.None);
    }

    private async Task<(decimal Balance, ETag ETag)?> ReadAsync(string accountId, CancellationToken cancellationToken)
    {
        var response = await tables.Accounts.GetEntityIfExistsAsync<TableEntity>(
            AccountEntity.Partition, accountId, [nameof(AccountEntity.Credit)], cancellationToken);
        if (!response.HasValue || response.Value is null)
        {
            return null;
        }

        return (TableValues.ParseMoney(response.Value.GetString(nameof(AccountEntity.Credit))), response.Value.ETag);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Balance of {AccountId} changed concurrently; retry {Attempt}")]
    private partial void LogConflict(string accountId, int attempt);

    private sealed class AccountBalance
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public decimal Balance { get; private set; }

        public ETag? ETag { get; private set; }

        public void Remember(decimal balance, ETag etag)
        {
            Balance = balance;
            ETag = etag;
        }

        public void Forget() => ETag = null;
    }
}
