using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Accounts;

/// <summary>
/// The account balance and its ledger. The balance lives on the account row and every change is an ETag-guarded
/// merge, retried with jitter on 412, so concurrent debits from any number of processes never overdraw. Within one
/// process changes of an account are group-committed: those that arrive while a write is in flight are applied
/// together, in order, with one ETag-guarded balance write and one ledger transaction, and the last ETag is kept so
/// an uncontended change is one round trip plus its ledger line. Ledger lines follow the balance write (a crash in
/// between loses a ledger line, never money).
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
        await foreach (var entry in tables.Ledger.QueryAsync<LedgerEntry>(AccountPartitions.Filter(accountId), Math.Min(max, 1000), cancellationToken: cancellationToken))
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
        var change = new PendingChange(delta, kind, messageId, capAtBalance);
        lock (state.Pending)
        {
            state.Pending.Add(change);
        }

        // Group commit: whoever holds the gate applies every change waiting for this account, in arrival order, with
        // one balance write and one ledger batch. The gate is held for the balance write only: the next batch's
        // balance write overlaps this batch's ledger write (its rows' keys are taken before the gate is released, so
        // the ledger keeps the order). Not cancellable once queued: a change may be applied on the caller's behalf,
        // and the caller must then learn that it was.
        await state.Gate.WaitAsync(CancellationToken.None);
        try
        {
            while (!change.Taken)
            {
                List<PendingChange> batch;
                lock (state.Pending)
                {
                    batch = state.Pending.Take(TableBatches.MaxActions).ToList();
                    state.Pending.RemoveRange(0, batch.Count);
                    foreach (var c in batch) { c.Taken = true; }
                }

                await ApplyAsync(accountId, state, batch);
            }
        }
        finally
        {
            state.Gate.Release();
        }

        return await change.Done.Task;
    }

    private async Task ApplyAsync(string accountId, AccountBalance state, List<PendingChange> batch)
    {
        try
        {
            var refreshed = false;
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                if (state.ETag is null)
                {
                    var current = await ReadAsync(accountId, CancellationToken.None);
                    if (current is null)
                    {
                        foreach (var c in batch) { c.Done.TrySetResult(DebitResult.NoAccount); }
                        return;
                    }

                    state.Remember(current.Value.Balance, current.Value.ETag);
                    refreshed = true;
                }

                var balance = state.Balance;
                var outcomes = new List<(PendingChange Change, decimal Applied, decimal After, DebitResult Result)>(batch.Count);
                var stale = false;
                foreach (var c in batch)
                {
                    var applied = c.Delta;
                    if (c.Delta < 0 && balance + c.Delta < 0)
                    {
                        if (!refreshed)
                        {
                            stale = true; // The remembered balance may be stale (a top-up elsewhere): decide only on a fresh read.
                            break;
                        }

                        if (!c.CapAtBalance)
                        {
                            outcomes.Add((c, 0m, balance, new DebitResult(false, balance, -c.Delta - balance)));
                            continue;
                        }

                        applied = -Math.Max(0m, balance);
                    }

                    balance += applied;
                    outcomes.Add((c, applied, balance, new DebitResult(true, balance, 0m)));
                }

                if (stale)
                {
                    state.Forget();
                    continue;
                }

                var moved = outcomes.Where(o => o.Applied != 0m).ToList();
                if (moved.Count > 0)
                {
                    var patch = new TableEntity(AccountEntity.Partition, accountId) { [nameof(AccountEntity.Credit)] = TableValues.Money(balance) };
                    try
                    {
                        var response = await tables.Accounts.UpdateEntityAsync(patch, state.ETag!.Value, TableUpdateMode.Merge, CancellationToken.None);
                        state.Remember(balance, response.Headers.ETag ?? default);
                    }
                    catch (RequestFailedException ex) when (ex.Status is 412 or 404)
                    {
                        state.Forget();
                        refreshed = false;
                        if (ex.Status == 412)
                        {
                            LogConflict(accountId, attempt + 1);
                            await Task.Delay(Jitter.Next(attempt), time, CancellationToken.None);
                        }

                        continue;
                    }

                    // Each caller learns its outcome once the ledger lines are written, as before, but the gate is free now.
                    _ = CompleteAfterAsync(AppendAsync(accountId, moved.Select(o => (o.Change.Kind, o.Applied, o.After, o.Change.MessageId)).ToList()), outcomes, state);
                    return;
                }

                foreach (var o in outcomes) { o.Change.Done.TrySetResult(o.Result); }
                return;
            }

            throw new InvalidOperationException($"The balance of account {accountId} could not be changed after {MaxAttempts} attempts.");
        }
        catch (Exception ex)
        {
            state.Forget();
            foreach (var c in batch) { c.Done.TrySetException(ex); }
        }
    }

    private static async Task CompleteAfterAsync(
        Task ledgerWrite, List<(PendingChange Change, decimal Applied, decimal After, DebitResult Result)> outcomes, AccountBalance state)
    {
        try
        {
            await ledgerWrite;
            foreach (var o in outcomes) { o.Change.Done.TrySetResult(o.Result); }
        }
        catch (Exception ex)
        {
            state.Forget();
            foreach (var o in outcomes) { o.Change.Done.TrySetException(ex); }
        }
    }

    /// <summary>The ledger lines of one balance change, in one transaction of the account's partition. The row keys
    /// are taken before the first await, so lines started in order are keyed in order.</summary>
    private async Task AppendAsync(string accountId, IReadOnlyList<(string Kind, decimal Amount, decimal BalanceAfter, string? MessageId)> lines)
    {
        var now = time.GetUtcNow();
        // One tick apart, so the newest-first order of the ledger keeps the order in which the changes were applied.
        var actions = lines.Select((l, i) => new TableTransactionAction(TableTransactionActionType.Add, new LedgerEntry
        {
            RowKey = TableValues.NewestFirstKey(now.AddTicks(i)),
            Kind = l.Kind,
            Amount = TableValues.Money(l.Amount),
            BalanceAfter = TableValues.Money(l.BalanceAfter),
            MessageId = l.MessageId,
            At = now,
        })).ToList();

        // One partition per second of the account's ledger (the newest line's second, so that a change straddling a
        // second boundary stays one transaction and the newest-first order holds).
        var partition = AccountPartitions.Of(accountId, actions[^1].Entity.RowKey[..LedgerEntry.BucketDigits]);
        foreach (var action in actions) { action.Entity.PartitionKey = partition; }

        // The balance already moved; the ledger lines must not be lost to a cancelled request.
        if (actions.Count == 1)
        {
            await tables.Ledger.AddEntityAsync((LedgerEntry)actions[0].Entity, CancellationToken.None);
        }
        else
        {
            await tables.Ledger.SubmitTransactionAsync(actions, CancellationToken.None);
        }
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

    private sealed class PendingChange(decimal delta, string kind, string? messageId, bool capAtBalance)
    {
        public decimal Delta { get; } = delta;

        public string Kind { get; } = kind;

        public string? MessageId { get; } = messageId;

        public bool CapAtBalance { get; } = capAtBalance;

        /// <summary>Set (under the pending list's lock) once a batch holds the change.</summary>
        public bool Taken { get; set; }

        public TaskCompletionSource<DebitResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class AccountBalance
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public List<PendingChange> Pending { get; } = [];

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
