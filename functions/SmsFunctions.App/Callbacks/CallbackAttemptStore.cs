using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SmsFunctions.Storage;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Callbacks;

/// <summary>
/// Every webhook attempt of a message (table <c>{prefix}CallbackAttempts</c>), shown on
/// <c>GET /api/messages/{id}/callbacks</c>. RK <c>{messageId}|{recipient}|{state}|{attempt:D2}</c>; PK (<see cref="PartitionOf"/>)
/// <c>{accountId}|{first 8 hex digits of the id}</c> for ordinary messages — the messages an account created in
/// the same ~4 seconds (ids start with the creation time) — and <c>{accountId}|{messageId}|{shard}</c> for a message
/// spread over more than 16 recipient shards. Attempts of one partition that arrive within a few milliseconds of
/// each other are written as one entity-group transaction (a <see cref="GroupCommit{T}"/> per partition) instead of
/// one table operation each, and no partition grows without bound: Azurite scans a partition on every write, and a
/// partition per account made 100,000 callbacks quadratic. The same attempt written twice is one row
/// (upsert, the later write wins), so a redelivered callback message converges instead of adding rows; two writes of
/// one attempt pending together are coalesced into the later one, so a transaction never holds a row twice.
/// </summary>
public sealed class CallbackAttemptStore : IDisposable
{
    /// <summary>Separates the parts of a RowKey. Message ids are lower-case hex, numbers E.164 (<c>+</c> and digits),
    /// states UPPER_SNAKE: none contains it. It sorts below <see cref="RangeEnd"/> (<c>'|' + 1</c>), so
    /// <c>[{id}|, {id}}[</c> holds exactly the rows of message <c>{id}</c>.</summary>
    public const char Separator = '|';

    private const char RangeEnd = '}';

    /// <summary>How long the first attempt of a group waits for others of its account before the write.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(5);

    /// <summary>Longer errors are cut: an oversized row would spoil the transaction it shares with others (which
    /// are then written again one by one) and fail itself.</summary>
    private const int MaxErrorLength = 1024;

    /// <summary>Accounts remembered before the map is cleared; a group dropped mid-flush still completes its own writes.</summary>
    private const int MaxAccounts = 4096;

    private readonly TableClient _table;
    private readonly SemaphoreSlim _creating = new(1, 1);
    private readonly ConcurrentDictionary<string, GroupCommit<Pending>> _groups = new(StringComparer.Ordinal);
    private volatile bool _created;

    /// <summary>One caller's row; <see cref="Done"/> completes once the write that carried it (or a later write of the
    /// same row) succeeded, or faults with that write's error.</summary>
    private sealed class Pending(TableEntity entity)
    {
        public TableEntity Entity { get; } = entity;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public CallbackAttemptStore(TableServiceClient service, IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        _table = service.GetTableClient(options.Value.TablePrefix + "CallbackAttempts");
    }

    /// <summary>The partition of a message's attempts.</summary>
    public static string PartitionOf(string accountId, string messageId, string recipient)
    {
        var shards = RecipientKeys.ShardsOf(messageId);
        return shards <= RecipientKeys.Shards
            ? string.Create(CultureInfo.InvariantCulture, $"{accountId}{Separator}{messageId[..Math.Min(TimeBucketDigits, messageId.Length)]}")
            : string.Create(CultureInfo.InvariantCulture, $"{accountId}{Separator}{messageId}{Separator}{RecipientKeys.Shard(recipient, shards):x}");
    }

    /// <summary>Id digits that name an attempts partition: those of a message partition (<see cref="MessageEntity.BucketDigits"/>), ~4 s.</summary>
    private const int TimeBucketDigits = MessageEntity.BucketDigits;

    /// <summary>The filter on the partitions that hold a message's attempts.</summary>
    private static string PartitionFilter(string accountId, string messageId) =>
        RecipientKeys.ShardsOf(messageId) <= RecipientKeys.Shards
            ? TableClient.CreateQueryFilter($"PartitionKey eq {PartitionOf(accountId, messageId, string.Empty)}")
            : TableClient.CreateQueryFilter($"PartitionKey ge {accountId + Separator + messageId + Separator} and PartitionKey lt {accountId + Separator + messageId + RangeEnd}");

    /// <summary>The RowKey of an attempt; every part must be free of <see cref="Separator"/>.</summary>
    public static string RowKey(string messageId, string recipient, string state, int attempt)
    {
        Check(messageId, nameof(messageId));
        Check(recipient, nameof(recipient));
        Check(state, nameof(state));
        return string.Create(CultureInfo.InvariantCulture, $"{messageId}{Separator}{recipient}{Separator}{state}{Separator}{attempt:D2}");
    }

    private static void Check(string part, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(part, name);
        if (part.Contains(Separator, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{part}' may not contain '{Separator}'.", name);
        }
    }

    /// <summary>Creates the table once; a failed attempt (storage briefly down) is tried again by the next call
    /// instead of being remembered forever, as a cached faulted task would be.</summary>
    private async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (_created) { return; }
        await _creating.WaitAsync(cancellationToken);
        try
        {
            if (!_created)
            {
                await _table.CreateIfNotExistsAsync(cancellationToken);
                _created = true;
            }
        }
        finally
        {
            _creating.Release();
        }
    }

    /// <summary>Records <paramref name="attempt"/> of a message of <paramref name="accountId"/>; completes once the
    /// transaction that carried it is written (or faults with its error).</summary>
    public async Task AddAsync(string accountId, CallbackAttempt attempt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        ArgumentNullException.ThrowIfNull(attempt);
        var partition = PartitionOf(accountId, attempt.MessageId, attempt.Recipient);
        var entity = new TableEntity(partition, RowKey(attempt.MessageId, attempt.Recipient, attempt.Event, attempt.Attempt))
        {
            ["MessageId"] = attempt.MessageId,
            ["Recipient"] = attempt.Recipient,
            ["Event"] = attempt.Event,
            ["Attempt"] = attempt.Attempt,
            ["At"] = attempt.At,
            ["StatusCode"] = attempt.StatusCode,
            ["LatencyMs"] = attempt.LatencyMs,
            ["Outcome"] = attempt.Outcome.ToString(),
            ["Error"] = attempt.Error is { Length: > MaxErrorLength } error ? error[..MaxErrorLength] : attempt.Error,
            ["Deferrals"] = attempt.Deferrals,
        };

        await EnsureCreatedAsync(cancellationToken);
        if (_groups.Count > MaxAccounts)
        {
            _groups.Clear();
        }

        var pending = new Pending(entity);
        var group = _groups.GetOrAdd(partition, account => new GroupCommit<Pending>((batch, ct) => FlushAsync(account, batch, ct), TableBatches.MaxActions, Linger));
        await group.AddAsync(pending, cancellationToken);
        await pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes one account's pending attempts, each row once (the later write of a RowKey wins, as two upserts
    /// in a row would), as one transaction (at most 100 rows). Never throws: every caller gets its own row's answer.</summary>
    private async Task FlushAsync(string accountId, IReadOnlyList<Pending> batch, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, (TableEntity Latest, List<Pending> Callers)>(batch.Count, StringComparer.Ordinal);
        foreach (var pending in batch)
        {
            var callers = rows.TryGetValue(pending.Entity.RowKey, out var row) ? row.Callers : [];
            callers.Add(pending);
            rows[pending.Entity.RowKey] = (pending.Entity, callers);
        }

        if (rows.Count == 1)
        {
            await WriteAloneAsync(rows.Values.First(), cancellationToken);
            return;
        }

        try
        {
            var actions = rows.Values.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r.Latest)).ToList();
            await TableBatches.SubmitAsync(_table, accountId, actions, maxConcurrency: 1, cancellationToken);
            Complete(rows.Values, null);
        }
        catch (RequestFailedException ex) when (ex.Status is >= 400 and < 500 and not 408 and not 429)
        {
            // One row spoiled the transaction (too large, bad value) and nothing of it was written: each row alone,
            // so one bad row fails only its own callers.
            await Task.WhenAll(rows.Values.Select(r => WriteAloneAsync(r, cancellationToken)));
        }
#pragma warning disable CA1031 // The error belongs to the callers whose rows were in the transaction.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Complete(rows.Values, ex);
        }
    }

    private async Task WriteAloneAsync((TableEntity Latest, List<Pending> Callers) row, CancellationToken cancellationToken)
    {
        try
        {
            await _table.UpsertEntityAsync(row.Latest, TableUpdateMode.Replace, cancellationToken);
            Complete([row], null);
        }
#pragma warning disable CA1031 // The error belongs to the callers of this row.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Complete([row], ex);
        }
    }

    private static void Complete(IEnumerable<(TableEntity Latest, List<Pending> Callers)> rows, Exception? error)
    {
        foreach (var (_, callers) in rows)
        {
            foreach (var caller in callers)
            {
                if (error is null) { caller.Done.TrySetResult(); }
                else { caller.Done.TrySetException(error); }
            }
        }
    }

    /// <summary>True when any attempt to report <paramref name="state"/> of this recipient is on record (one range
    /// query of at most one row): the callback for it went out, or is being retried.</summary>
    public async Task<bool> AnyAsync(string accountId, string messageId, string recipient, string state, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        await EnsureCreatedAsync(cancellationToken);
        var from = RowKey(messageId, recipient, state, 0);
        var to = string.Create(CultureInfo.InvariantCulture, $"{messageId}{Separator}{recipient}{Separator}{state}{RangeEnd}");
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionOf(accountId, messageId, recipient)} and RowKey ge {from} and RowKey lt {to}");
        await foreach (var _ in _table.QueryAsync<TableEntity>(filter, 1, ["RowKey"], cancellationToken))
        {
            return true;
        }

        return false;
    }

    /// <summary>What is on record for one attempt (one point read): its outcome and, for a deferral, the number of the
    /// copy it queued; null when nothing is.</summary>
    public async Task<(CallbackAttemptOutcome Outcome, int Deferrals)?> GetOutcomeAsync(
        string accountId, string messageId, string recipient, string state, int attempt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        await EnsureCreatedAsync(cancellationToken);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionOf(accountId, messageId, recipient),
            RowKey(messageId, recipient, state, attempt), ["Outcome", "Deferrals"], cancellationToken);
        if (!row.HasValue || row.Value is not { } e)
        {
            return null;
        }

        var outcome = Enum.TryParse<CallbackAttemptOutcome>(e.GetString("Outcome"), out var o) ? o : CallbackAttemptOutcome.GaveUp;
        return (outcome, e.GetInt32("Deferrals") ?? 0);
    }

    /// <summary>The attempts of message <paramref name="messageId"/> of <paramref name="accountId"/>, oldest first
    /// (at most <paramref name="max"/>).</summary>
    public async Task<IReadOnlyList<CallbackAttempt>> ListAsync(string accountId, string messageId, int max = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        if (messageId.Contains(Separator, StringComparison.Ordinal))
        {
            return [];
        }

        await EnsureCreatedAsync(cancellationToken);
        var from = messageId + Separator;
        var to = messageId + RangeEnd;
        var filter = PartitionFilter(accountId, messageId) + " and " + TableClient.CreateQueryFilter($"RowKey ge {from} and RowKey lt {to}");
        var list = new List<CallbackAttempt>();
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, Math.Clamp(max, 1, 1000), cancellationToken: cancellationToken))
        {
            list.Add(new CallbackAttempt(messageId, e.GetString("Recipient") ?? string.Empty, e.GetString("Event") ?? string.Empty,
                e.GetInt32("Attempt") ?? 0, e.GetDateTimeOffset("At") ?? default, e.GetInt32("StatusCode"), e.GetDouble("LatencyMs") ?? 0,
                Enum.TryParse<CallbackAttemptOutcome>(e.GetString("Outcome"), out var o) ? o : CallbackAttemptOutcome.GaveUp, e.GetString("Error"),
                e.GetInt32("Deferrals") ?? 0));
            if (list.Count >= max) { break; }
        }

        // Rows sort by recipient, state and attempt number; the API lists them as they happened.
        return list.OrderBy(a => a.At).ThenBy(a => a.Attempt).ToList();
    }

    public void Dispose() => _creating.Dispose();
}
