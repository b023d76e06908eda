using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Accounts;

/// <summary>
/// The one owner of money: the account balance and its ledger. Every change has an id (the caller's, e.g.
/// <c>charge:{messageId}</c>, or a random one) and is applied exactly once, whatever storage answers:
/// <list type="bullet">
/// <item>The balance and a journal entry for the change are one ETag-guarded merge of the account row: the change is
/// one durable fact, or it did not happen.</item>
/// <item>A write whose outcome is unknown (answer lost, timeout, 5xx, or a 412 that may be the SDK's retry of a write
/// that committed) is never simply repeated: the row is read again and a change already in its journal (or, after a
/// while, already in the ledger) is reported as applied, with the balance it left.</item>
/// <item>The ledger line is written after the balance write, as an idempotent upsert at a key derived from the
/// change (<see cref="LedgerJournal.RowKeyOf"/>), and the journal entry is dropped by a later balance write only once
/// the line is known to be written. A process that dies in between leaves the entry on the row; whoever writes the
/// row next (or lists the ledger) writes the missing line. So balance = the ledger's sum, always eventually and
/// whenever the ledger is listed.</item>
/// </list>
/// Within one process changes of an account are group-committed: those that arrive while a write is in flight are
/// applied together, in order, with one balance write. A caller's change is not cancellable once queued (it may be
/// applied on its behalf, and the caller must then learn that it was); it returns when the balance write is durable,
/// and throws <see cref="LedgerUnavailableException"/> only when storage has not answered for
/// <see cref="UnknownOutcomeLimit"/> — then the outcome is unknown: the caller must keep its change id and retry it,
/// never refund.
/// </summary>
public sealed partial class CreditLedger(SmsTables tables, TimeProvider time, ILogger<CreditLedger> logger)
{
    /// <summary>How long a change keeps trying while storage fails before its caller is told the outcome is unknown.</summary>
    public static readonly TimeSpan UnknownOutcomeLimit = TimeSpan.FromSeconds(60);

    /// <summary>A journal entry written by another process (or a dead one) that is older than this gets its ledger
    /// line from whoever writes the row next.</summary>
    public static readonly TimeSpan RecoveryAge = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, AccountBalance> _balances = new(StringComparer.Ordinal);

    /// <summary>Takes <paramref name="amount"/> if the balance covers it; otherwise nothing changes and the shortfall is reported.</summary>
    /// <param name="changeId">Identifies the change: applying it again returns the first outcome without a second charge.</param>
    /// <param name="at">The change's time (default now); with <paramref name="changeId"/> it names the ledger line, so a
    /// caller that can say both again after a crash (e.g. a message id's time) is recognised by any process.</param>
    /// <param name="verify">A resumption of a change that may have been applied long ago: look it up in the ledger too.</param>
    public Task<DebitResult> TryDebitAsync(string accountId, decimal amount, string kind, string? messageId,
        string? changeId = null, DateTimeOffset? at = null, bool verify = false, CancellationToken cancellationToken = default)
        => ChangeAsync(accountId, -amount, kind, messageId, capAtBalance: false, changeId, at, verify);

    /// <summary>Takes <paramref name="amount"/>, or the whole balance when it is smaller (penalties never overdraw either).</summary>
    public Task<DebitResult> DebitUpToAsync(string accountId, decimal amount, string kind, string? messageId,
        string? changeId = null, DateTimeOffset? at = null, bool verify = false, CancellationToken cancellationToken = default)
        => ChangeAsync(accountId, -amount, kind, messageId, capAtBalance: true, changeId, at, verify);

    /// <summary>Adds credit (top-up or refund) and returns the new balance, or null when the account does not exist.</summary>
    public async Task<decimal?> AddAsync(string accountId, decimal amount, string kind, string? messageId,
        string? changeId = null, DateTimeOffset? at = null, bool verify = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var result = await ChangeAsync(accountId, amount, kind, messageId, capAtBalance: false, changeId, at, verify);
        return result.AccountExists ? result.Balance : null;
    }

    /// <summary>The current balance, read from the table.</summary>
    public async Task<decimal?> GetBalanceAsync(string accountId, CancellationToken cancellationToken = default)
    {
        if (!AccountStore.IsValidKey(accountId))
        {
            return null;
        }

        var account = await ReadAsync(accountId, cancellationToken);
        return account?.Balance;
    }

    /// <summary>The change <paramref name="changeId"/> made at <paramref name="at"/>, if it was applied: from the account
    /// row's journal, else from the ledger. Null when it certainly was not (or not yet) applied.</summary>
    public async Task<LedgerEntry?> FindAsync(string accountId, string changeId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changeId);
        if (!AccountStore.IsValidKey(accountId))
        {
            return null;
        }

        var account = await ReadAsync(accountId, cancellationToken);
        if (account?.Journal.FirstOrDefault(e => e.Id == changeId) is { } entry)
        {
            return entry.ToLine(accountId);
        }

        var rowKey = LedgerJournal.RowKeyOf(changeId, at);
        var line = await tables.Ledger.GetEntityIfExistsAsync<LedgerEntry>(LedgerJournal.PartitionOf(accountId, rowKey), rowKey, cancellationToken: cancellationToken);
        return line.HasValue ? line.Value : null;
    }

    /// <summary>The account's ledger, newest first. Lines still waiting in the account row's journal (a write in
    /// flight, or a process that died after the balance write) are written first, so the list always sums to the balance.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> ListAsync(string accountId, int max = 1000, CancellationToken cancellationToken = default)
    {
        await FlushAsync(accountId, cancellationToken);
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

    /// <summary>Writes the ledger line of every change still in the account row's journal (idempotent).</summary>
    public async Task FlushAsync(string accountId, CancellationToken cancellationToken = default)
    {
        if (!AccountStore.IsValidKey(accountId))
        {
            return;
        }

        if (_balances.TryGetValue(accountId, out var state))
        {
            await state.WhenFlushedAsync();
        }

        var account = await ReadAsync(accountId, cancellationToken);
        if (account is { Journal.Count: > 0 } found)
        {
            await WriteLinesAsync(accountId, found.Journal);
            if (state is not null)
            {
                state.MarkFlushed(found.Journal);
            }
        }
    }

    private async Task<DebitResult> ChangeAsync(
        string accountId, decimal delta, string kind, string? messageId, bool capAtBalance, string? changeId, DateTimeOffset? at, bool verify)
    {
        if (!AccountStore.IsValidKey(accountId))
        {
            return DebitResult.NoAccount;
        }

        var state = _balances.GetOrAdd(accountId, static _ => new AccountBalance());
        var change = new PendingChange(delta, kind, messageId, capAtBalance,
            changeId ?? "chg:" + Guid.NewGuid().ToString("N"), at ?? time.GetUtcNow(), verify);
        lock (state.Pending)
        {
            state.Pending.Add(change);
        }

        // Group commit: whoever holds the gate applies every change waiting for this account, in arrival order, with
        // one balance write. The gate is held for the balance write only: the ledger lines are written after it,
        // overlapping the next batch. Not cancellable once queued.
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
        var started = time.GetUtcNow();
        var open = batch;
        var uncertain = false;
        try
        {
            var refreshed = false;
            for (var attempt = 0; ; attempt++)
            {
                if (time.GetUtcNow() - started > UnknownOutcomeLimit)
                {
                    throw new LedgerUnavailableException(accountId, uncertain);
                }

                if (state.ETag is null)
                {
                    AccountSnapshot? current;
                    try
                    {
                        current = await ReadAsync(accountId, CancellationToken.None);
                    }
                    catch (Exception ex) when (IsTransient(ex))
                    {
                        LogStorageFailed(accountId, "read", ex.Message);
                        await Task.Delay(Backoff(attempt), time, CancellationToken.None);
                        continue;
                    }

                    if (current is null)
                    {
                        foreach (var c in open) { c.Done.TrySetResult(DebitResult.NoAccount); }
                        return;
                    }

                    state.Load(current.Value);
                    refreshed = true;
                }

                // A change already on record was applied: by our own write whose answer was lost, or by a concurrent
                // resumption of the same change. It is reported, never applied again.
                var remaining = new List<PendingChange>(open.Count);
                foreach (var c in open)
                {
                    if (state.Find(c.Id) is { } entry)
                    {
                        c.Done.TrySetResult(new DebitResult(true, entry.After, 0m));
                    }
                    else
                    {
                        remaining.Add(c);
                    }
                }

                // The same change twice in one batch (two callers resuming it at once): the first decides for both.
                open = [];
                var byId = new Dictionary<string, PendingChange>(StringComparer.Ordinal);
                foreach (var c in remaining)
                {
                    if (byId.TryGetValue(c.Id, out var first))
                    {
                        _ = first.Done.Task.ContinueWith(
                            (t, o) => { var d = (PendingChange)o!; if (t.IsFaulted) { d.Done.TrySetException(t.Exception!.InnerExceptions); } else { d.Done.TrySetResult(t.Result); } },
                            c, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    }
                    else
                    {
                        byId[c.Id] = c;
                        open.Add(c);
                    }
                }

                var lookUp = open.Where(c => c.Verify || (uncertain && time.GetUtcNow() - started > RecoveryAge / 2)).ToList();
                if (lookUp.Count > 0)
                {
                    try
                    {
                        foreach (var c in lookUp)
                        {
                            var rowKey = LedgerJournal.RowKeyOf(c.Id, c.At);
                            var line = await tables.Ledger.GetEntityIfExistsAsync<LedgerEntry>(
                                LedgerJournal.PartitionOf(accountId, rowKey), rowKey, cancellationToken: CancellationToken.None);
                            if (line.HasValue && line.Value is { } found)
                            {
                                c.Done.TrySetResult(new DebitResult(true, TableValues.ParseMoney(found.BalanceAfter), 0m));
                            }
                        }
                    }
                    catch (Exception ex) when (IsTransient(ex))
                    {
                        LogStorageFailed(accountId, "ledger read", ex.Message);
                        await Task.Delay(Backoff(attempt), time, CancellationToken.None);
                        continue;
                    }

                    open = open.Where(c => !c.Done.Task.IsCompleted).ToList();
                }

                if (open.Count == 0)
                {
                    return;
                }

                var balance = state.Balance;
                var outcomes = new List<(PendingChange Change, decimal Applied, decimal After, DebitResult Result)>(open.Count);
                var stale = false;
                foreach (var c in open)
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

                var now = time.GetUtcNow();
                var entries = outcomes.Where(o => o.Applied != 0m)
                    .Select(o => new LedgerJournalEntry(o.Change.Id, o.Change.At.UtcTicks, o.Change.Kind, o.Applied, o.After, o.Change.MessageId, now.UtcTicks))
                    .ToList();
                if (entries.Count == 0)
                {
                    foreach (var o in outcomes) { o.Change.Done.TrySetResult(o.Result); }
                    return;
                }

                var carried = state.Carried();
                List<LedgerJournalEntry> journal = [.. carried, .. entries];
                var serialized = LedgerJournal.Serialize(journal);
                if (carried.Count > 0 && (journal.Count > LedgerJournal.MaxEntries || serialized.Length > LedgerJournal.MaxCharacters))
                {
                    // The ledger lags (storage slow, or a burst): write what the row holds before adding more to it.
                    await state.WhenFlushedAsync();
                    await WriteLinesAsync(accountId, carried);
                    state.MarkFlushed(carried);
                    journal = [.. state.Carried(), .. entries];
                    serialized = LedgerJournal.Serialize(journal);
                }

                var patch = new TableEntity(AccountEntity.Partition, accountId)
                {
                    [nameof(AccountEntity.Credit)] = TableValues.Money(balance),
                    [LedgerJournal.Property] = serialized,
                };
                try
                {
                    var response = await tables.Accounts.UpdateEntityAsync(patch, state.ETag!.Value, TableUpdateMode.Merge, CancellationToken.None);
                    state.Committed(balance, response.Headers.ETag ?? default, journal, entries);
                }
                catch (RequestFailedException ex) when (ex.Status is 412 or 404)
                {
                    // 412: someone else wrote the row — or the SDK retried our write after it committed and lost its
                    // answer. Either way the next read's journal says which.
                    state.Forget();
                    refreshed = false;
                    uncertain = true;
                    if (ex.Status == 412)
                    {
                        LogConflict(accountId, attempt + 1);
                        await Task.Delay(Jitter.Next(attempt), time, CancellationToken.None);
                    }

                    continue;
                }
                catch (Exception ex) when (IsTransient(ex))
                {
                    state.Forget();
                    refreshed = false;
                    uncertain = true;
                    LogStorageFailed(accountId, "balance write", ex.Message);
                    await Task.Delay(Backoff(attempt), time, CancellationToken.None);
                    continue;
                }

                foreach (var o in outcomes) { o.Change.Done.TrySetResult(o.Result); }
                StartFlush(accountId, state);
                return;
            }
        }
        catch (Exception ex)
        {
            state.Forget();
            foreach (var c in open) { c.Done.TrySetException(ex); }
        }
    }

    /// <summary>Writes, in the background, the ledger lines of our own journal entries and of old ones left by others.</summary>
    private void StartFlush(string accountId, AccountBalance state)
    {
        var due = state.TakeDue(time.GetUtcNow(), RecoveryAge);
        if (due.Count == 0)
        {
            return;
        }

        state.Track(FlushDueAsync());

        async Task FlushDueAsync()
        {
            try
            {
                await WriteLinesAsync(accountId, due);
                state.MarkFlushed(due);
            }
#pragma warning disable CA1031 // The entries stay on the account row; the next balance write or ledger listing writes them.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                state.Release(due);
                LogStorageFailed(accountId, "ledger write", ex.Message);
            }
        }
    }

    /// <summary>Upserts the ledger lines of <paramref name="entries"/>: the same change always writes the same row.</summary>
    private async Task WriteLinesAsync(string accountId, IReadOnlyList<LedgerJournalEntry> entries)
    {
        foreach (var partition in entries.Select(e => e.ToLine(accountId)).GroupBy(l => l.PartitionKey, StringComparer.Ordinal))
        {
            foreach (var chunk in partition.Chunk(TableBatches.MaxActions))
            {
                if (chunk.Length == 1)
                {
                    await tables.Ledger.UpsertEntityAsync(chunk[0], TableUpdateMode.Replace, CancellationToken.None);
                }
                else
                {
                    await tables.Ledger.SubmitTransactionAsync(
                        chunk.Select(l => new TableTransactionAction(TableTransactionActionType.UpsertReplace, l)).ToList(), CancellationToken.None);
                }
            }
        }
    }

    private async Task<AccountSnapshot?> ReadAsync(string accountId, CancellationToken cancellationToken)
    {
        var response = await tables.Accounts.GetEntityIfExistsAsync<TableEntity>(
            AccountEntity.Partition, accountId, [nameof(AccountEntity.Credit), LedgerJournal.Property], cancellationToken);
        if (!response.HasValue || response.Value is null)
        {
            return null;
        }

        return new AccountSnapshot(
            TableValues.ParseMoney(response.Value.GetString(nameof(AccountEntity.Credit))),
            response.Value.ETag,
            LedgerJournal.Parse(response.Value.GetString(LedgerJournal.Property)));
    }

    /// <summary>Failures after which a write may or may not have happened, and a later try may succeed.</summary>
    public static bool IsTransient(Exception ex) => ex switch
    {
        RequestFailedException r => r.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException or IOException or TimeoutException or OperationCanceledException => true,
        AggregateException a => a.InnerExceptions.All(IsTransient),
        _ => false,
    };

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(2000, 50 * (1 << Math.Min(attempt, 6))) + Random.Shared.Next(0, 50));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Balance of {AccountId} changed concurrently; retry {Attempt}")]
    private partial void LogConflict(string accountId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Credit ledger of {AccountId}: {Operation} failed ({Reason}); retrying")]
    private partial void LogStorageFailed(string accountId, string operation, string reason);

    private readonly record struct AccountSnapshot(decimal Balance, ETag ETag, List<LedgerJournalEntry> Journal);

    private sealed class PendingChange(decimal delta, string kind, string? messageId, bool capAtBalance, string id, DateTimeOffset at, bool verify)
    {
        public decimal Delta { get; } = delta;

        public string Kind { get; } = kind;

        public string? MessageId { get; } = messageId;

        public bool CapAtBalance { get; } = capAtBalance;

        public string Id { get; } = id;

        public DateTimeOffset At { get; } = at;

        public bool Verify { get; } = verify;

        /// <summary>Set (under the pending list's lock) once a batch holds the change.</summary>
        public bool Taken { get; set; }

        public TaskCompletionSource<DebitResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>What this process knows of one account's row: balance, ETag and journal as last written or read, and
    /// which journal entries' ledger lines are written (or being written).</summary>
    private sealed class AccountBalance
    {
        private readonly object _sync = new();
        private readonly HashSet<string> _mine = new(StringComparer.Ordinal);
        private readonly HashSet<string> _flushed = new(StringComparer.Ordinal);
        private readonly HashSet<string> _flushing = new(StringComparer.Ordinal);
        private readonly List<Task> _flushes = [];
        private List<LedgerJournalEntry> _journal = [];

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public List<PendingChange> Pending { get; } = [];

        public decimal Balance { get; private set; }

        public ETag? ETag { get; private set; }

        public void Load(AccountSnapshot snapshot)
        {
            lock (_sync)
            {
                Balance = snapshot.Balance;
                ETag = snapshot.ETag;
                _journal = snapshot.Journal;
            }
        }

        public void Forget() => ETag = null;

        public LedgerJournalEntry? Find(string id)
        {
            lock (_sync)
            {
                return _journal.FirstOrDefault(e => e.Id == id);
            }
        }

        /// <summary>The journal entries the next write keeps: those whose ledger line is not known to be written.</summary>
        public List<LedgerJournalEntry> Carried()
        {
            lock (_sync)
            {
                return _journal.Where(e => !_flushed.Contains(e.Id)).ToList();
            }
        }

        public void Committed(decimal balance, ETag etag, List<LedgerJournalEntry> journal, List<LedgerJournalEntry> written)
        {
            lock (_sync)
            {
                Balance = balance;
                ETag = etag;
                _journal = journal;
                foreach (var e in written) { _mine.Add(e.Id); }
                var ids = journal.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
                _flushed.IntersectWith(ids);
                _mine.IntersectWith(ids);
            }
        }

        /// <summary>Entries whose line should be written now: ours, and others' once older than <paramref name="recoveryAge"/>.</summary>
        public List<LedgerJournalEntry> TakeDue(DateTimeOffset now, TimeSpan recoveryAge)
        {
            lock (_sync)
            {
                var due = _journal.Where(e => !_flushed.Contains(e.Id) && !_flushing.Contains(e.Id)
                    && (_mine.Contains(e.Id) || now.UtcTicks - e.WrittenTicks > recoveryAge.Ticks)).ToList();
                foreach (var e in due) { _flushing.Add(e.Id); }
                return due;
            }
        }

        public void MarkFlushed(IEnumerable<LedgerJournalEntry> entries)
        {
            lock (_sync)
            {
                foreach (var e in entries)
                {
                    _flushing.Remove(e.Id);
                    _flushed.Add(e.Id);
                }
            }
        }

        public void Release(IEnumerable<LedgerJournalEntry> entries)
        {
            lock (_sync)
            {
                foreach (var e in entries) { _flushing.Remove(e.Id); }
            }
        }

        public void Track(Task flush)
        {
            lock (_sync)
            {
                _flushes.RemoveAll(t => t.IsCompleted);
                _flushes.Add(flush);
            }
        }

        public Task WhenFlushedAsync()
        {
            lock (_sync)
            {
                return Task.WhenAll(_flushes.ToList());
            }
        }
    }
}

/// <summary>Storage did not answer for <see cref="CreditLedger.UnknownOutcomeLimit"/>: the change may or may not have
/// been applied. Retry with the same change id (it will not be applied twice); never refund on this.</summary>
public sealed class LedgerUnavailableException : Exception
{
    public LedgerUnavailableException(string accountId, bool outcomeUnknown)
        : base($"The balance of account {accountId} could not be changed: storage is not answering." + (outcomeUnknown ? " The change may have been applied; retry it with the same id." : string.Empty))
    {
        OutcomeUnknown = outcomeUnknown;
    }

    public LedgerUnavailableException()
    {
    }

    public LedgerUnavailableException(string message)
        : base(message)
    {
    }

    public LedgerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public bool OutcomeUnknown { get; }
}
