using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.Tables;

/// <summary>
/// Group commit of single-entity writes to one table: writes to the same partition that arrive within
/// <see cref="DefaultLinger"/> of each other (or while the previous transaction of that partition is in flight) go
/// out as one entity-group transaction of at most <see cref="TableBatches.MaxActions"/> actions — one storage
/// operation instead of one each. A caller's task completes only once the write carrying its entity has succeeded,
/// with the entity's new ETag set on it; it faults with the error of its own entity.
/// <para>
/// A lone write goes out as the plain single-entity operation. When a transaction fails because of one of its
/// entities (a 409 on an insert retried after a lost answer, a 412, a duplicate key, a payload too large), every
/// entity of it is written again on its own, so one bad entity cannot fail the others and each caller gets exactly
/// the answer a single write would have given. A failure of the service itself (5xx, throttling, network, after the
/// client's own retries) fails the whole batch with that error rather than multiplying the load.
/// </para>
/// </summary>
public sealed class TableGroupCommit<TEntity>
    where TEntity : class, ITableEntity
{
    /// <summary>How long the first write of a partition waits for others to share its transaction.</summary>
    public static readonly TimeSpan DefaultLinger = TimeSpan.FromMilliseconds(1);

    /// <summary>Partitions remembered before the map is cleared; a group dropped mid-flush still completes its own writes.</summary>
    private const int MaxPartitions = 4096;

    private readonly TableClient _table;
    private readonly TableTransactionActionType _action;
    private readonly TimeSpan _linger;
    private readonly ConcurrentDictionary<string, GroupCommit<Write>> _groups = new(StringComparer.Ordinal);

    /// <param name="table">The table written to.</param>
    /// <param name="action"><see cref="TableTransactionActionType.Add"/> or <see cref="TableTransactionActionType.UpsertReplace"/>.</param>
    /// <param name="linger">How long the first write of a partition waits for company; <see cref="DefaultLinger"/> when null.</param>
    public TableGroupCommit(TableClient table, TableTransactionActionType action, TimeSpan? linger = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (action is not (TableTransactionActionType.Add or TableTransactionActionType.UpsertReplace))
        {
            throw new ArgumentOutOfRangeException(nameof(action), action, "Only inserts and replacing upserts are group-committed.");
        }

        _table = table;
        _action = action;
        _linger = linger ?? DefaultLinger;
    }

    /// <summary>Writes <paramref name="entity"/>, sharing a transaction with concurrent writes to its partition; sets and returns its new ETag.</summary>
    public async Task<ETag> WriteAsync(TEntity entity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        cancellationToken.ThrowIfCancellationRequested();
        var write = new Write(entity, cancellationToken);
        if (_groups.Count > MaxPartitions)
        {
            // Partitions come and go (one schedule bucket a minute); a group still flushing keeps its own pending writes.
            _groups.Clear();
        }

        var group = _groups.GetOrAdd(entity.PartitionKey, _ => new GroupCommit<Write>(FlushAsync, TableBatches.MaxActions, _linger));
        await group.AddAsync(write, cancellationToken);
        return await write.Done.Task;
    }

    private async Task FlushAsync(IReadOnlyList<Write> batch, CancellationToken cancellationToken)
    {
        var live = new List<Write>(batch.Count);
        foreach (var write in batch)
        {
            // A caller that gave up before its write went out is not written (it has already been told it failed).
            if (write.Cancellation.IsCancellationRequested)
            {
                write.Done.TrySetCanceled(write.Cancellation);
            }
            else
            {
                live.Add(write);
            }
        }

        if (live.Count == 0)
        {
            return;
        }

        if (live.Count == 1)
        {
            await WriteAloneAsync(live[0], cancellationToken);
            return;
        }

        if (live.Select(w => w.Entity.RowKey).Distinct(StringComparer.Ordinal).Count() < live.Count)
        {
            // The same row twice cannot share a transaction: written one by one in the order they came.
            foreach (var write in live)
            {
                await WriteAloneAsync(write, cancellationToken);
            }

            return;
        }

        try
        {
            var actions = live.Select(w => new TableTransactionAction(_action, w.Entity)).ToList();
            var response = await _table.SubmitTransactionAsync(actions, cancellationToken);
            for (var i = 0; i < live.Count; i++)
            {
                var etag = i < response.Value.Count ? response.Value[i].Headers.ETag ?? default : default;
                live[i].Entity.ETag = etag;
                live[i].Done.TrySetResult(etag);
            }
        }
        catch (RequestFailedException ex) when (IsCausedByAnEntity(ex))
        {
            // One entity spoiled the transaction and nothing of it was written: each entity alone, as a single write would be.
            await Task.WhenAll(live.Select(w => WriteAloneAsync(w, cancellationToken)));
        }
#pragma warning disable CA1031 // The error belongs to the callers whose entities were in the transaction.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var write in live)
            {
                write.Done.TrySetException(ex);
            }
        }
    }

    private async Task WriteAloneAsync(Write write, CancellationToken cancellationToken)
    {
        try
        {
            var response = _action == TableTransactionActionType.Add
                ? await _table.AddEntityAsync(write.Entity, cancellationToken)
                : await _table.UpsertEntityAsync(write.Entity, TableUpdateMode.Replace, cancellationToken);
            var etag = response.Headers.ETag ?? default;
            write.Entity.ETag = etag;
            write.Done.TrySetResult(etag);
        }
#pragma warning disable CA1031 // The error belongs to the caller of this write.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            write.Done.TrySetException(ex);
        }
    }

    /// <summary>
    /// A client error (4xx other than timeout and throttling) of a transaction: an entity of it was refused (a
    /// <see cref="TableTransactionFailedException"/> names it) or the request as a whole was (too large, bad shape) —
    /// either way the other entities may well be fine on their own. Server errors are the service's, and would be again.
    /// </summary>
    private static bool IsCausedByAnEntity(RequestFailedException ex) => ex.Status is >= 400 and < 500 and not 408 and not 429;

    private sealed class Write(TEntity entity, CancellationToken cancellation)
    {
        public TEntity Entity { get; } = entity;

        public CancellationToken Cancellation { get; } = cancellation;

        public TaskCompletionSource<ETag> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
