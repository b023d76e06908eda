using System.Collections.Concurrent;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Pipeline;

/// <summary>What a change did: the decision, and the row as the change left it (or as it was found, when it wrote
/// nothing); no row when the recipient does not exist.</summary>
public sealed record RecipientOutcome(DecisionKind Kind, RecipientEntity? Row, RecipientState From = RecipientState.Draft)
{
    public static readonly RecipientOutcome Missing = new(DecisionKind.Refused, null);

    public bool Applied => Kind == DecisionKind.Applied;

    /// <summary>This change moved the recipient to another state (not only added details).</summary>
    public bool StateChanged => Applied && State != From;

    public RecipientState State => Row is null ? RecipientState.Draft : RecipientRows.StateOf(Row);
}

/// <summary>
/// The one owner of recipient rows after acceptance: dispatch claims and outcomes, receipts, expiry, poison,
/// cancellation and the release of a closed transaction all go through <see cref="ApplyAsync(RecipientEntity, RecipientChange, TimeSpan, CancellationToken)"/>
/// with a typed <see cref="RecipientChange"/>, decided by <see cref="RecipientDecisions"/>.
/// </summary>
public interface IRecipientOwner
{
    /// <summary>
    /// Decides <paramref name="change"/> on the recipient's current row and writes it when it applies. The task
    /// completes once the write is durable. <paramref name="known"/> is the row as the caller last read it: used as
    /// the base when this process remembers nothing newer (an ETag conflict makes it read and decide again).
    /// <paramref name="holdFor"/> lets the write wait that long for a later change of the same recipient (a
    /// dispatch outcome for its receipt) so both become one write.
    /// </summary>
    Task<RecipientOutcome> ApplyAsync(RecipientEntity known, RecipientChange change, TimeSpan holdFor = default, CancellationToken cancellationToken = default);

    /// <summary>As the other overload, for a recipient known only by its keys (a receipt).</summary>
    Task<RecipientOutcome> ApplyAsync(string messageId, string number, RecipientChange change, TimeSpan holdFor = default, CancellationToken cancellationToken = default);

    /// <summary>The row as this process last wrote it, if it still remembers it (for reads that may be a little
    /// stale, like a webhook's view); null otherwise.</summary>
    RecipientEntity? Remembered(string messageId, string number);
}

/// <summary>
/// <see cref="IRecipientOwner"/> over table storage. Within this process, changes to one recipient are serialised
/// (striped locks) and the last written row, with its ETag, is remembered, so a change usually costs no read.
/// Across processes the ETag decides: on a conflict the row is re-read and every pending change decided again —
/// which the pure, re-runnable decisions make safe.
/// <para>
/// One batch-then-re-decide algorithm, on <see cref="GroupCommit{T}"/>: changes to recipients of one partition that
/// arrive within a few milliseconds go out as one ETag-guarded entity-group transaction; a change to a recipient
/// whose previous change is still waiting joins it (a dispatch outcome held for <c>holdFor</c> is usually joined by
/// its delivery receipt, and both become one write). If the transaction conflicts, each of its rows is re-read, its
/// changes decided again and written alone. A caller's task completes only once the write carrying its change is
/// durable, and it gets the row as its own change left it.
/// </para>
/// </summary>
public sealed class RecipientOwner : IRecipientOwner
{
    private const int Stripes = 1024;
    private const int GroupStripes = 64;
    private const int MaxRemembered = 50_000;

    /// <summary>How long a change waits for others of its partition to share a transaction.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(3);

    private readonly IRecipientRowStore _store;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim[] _locks = Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly ConcurrentDictionary<(string, string), RecipientEntity> _rows = new();
    private readonly ConcurrentQueue<(string, string)> _order = new();
    private readonly ConcurrentDictionary<(string, string), Pending> _pending = new();
    private readonly ConcurrentDictionary<(string, string), Task> _inFlight = new();
    private readonly GroupCommit<Pending>[] _groups;

    public RecipientOwner(IRecipientRowStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
        _groups = Enumerable.Range(0, GroupStripes)
            .Select(_ => new GroupCommit<Pending>(FlushAsync, TableBatches.MaxActions, Linger))
            .ToArray();
    }

    public async Task<RecipientOutcome> ApplyAsync(RecipientEntity known, RecipientChange change, TimeSpan holdFor = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(known);
        return await ApplyCoreAsync(known.MessageId, known.Number, known, change, holdFor, cancellationToken);
    }

    public Task<RecipientOutcome> ApplyAsync(string messageId, string number, RecipientChange change, TimeSpan holdFor = default, CancellationToken cancellationToken = default)
        => ApplyCoreAsync(messageId, number, null, change, holdFor, cancellationToken);

    private async Task<RecipientOutcome> ApplyCoreAsync(string messageId, string number, RecipientEntity? known, RecipientChange change, TimeSpan holdFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var kind = DecisionKind.Refused;
        var from = RecipientState.Draft;
        RecipientEntity? found = null;
        var written = await UpdateAsync(messageId, number, known, row =>
        {
            var current = RecipientRows.Read(row);
            var decision = RecipientDecisions.Decide(current, change);
            kind = decision.Kind;
            from = current.State;
            if (!decision.Applied)
            {
                found = row.Copy();
                return false;
            }

            RecipientRows.Write(decision.Row, row);
            return true;
        }, holdFor, cancellationToken);
        if (written is not null)
        {
            PipelineMetrics.StateChanges.Add(1, new KeyValuePair<string, object?>("state", written.State));
            return new RecipientOutcome(DecisionKind.Applied, written, from);
        }

        return found is null ? RecipientOutcome.Missing : new RecipientOutcome(kind, found, from);
    }

    /// <summary>Remembers rows just written elsewhere (accepted rows), so the next change needs no read.</summary>
    public void Remember(RecipientEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var key = (row.MessageId, row.RowKey);
        _rows[key] = row.Copy();
        _order.Enqueue(key);
        while (_rows.Count > MaxRemembered && _order.TryDequeue(out var old))
        {
            _rows.TryRemove(old, out _);
        }
    }

    public RecipientEntity? Remembered(string messageId, string number) =>
        _rows.TryGetValue((messageId, number), out var row) ? row : null;

    /// <summary>True while a change of the recipient waits to be written (for tests).</summary>
    internal bool IsPending(string messageId, string number) => _pending.ContainsKey((messageId, number));

    /// <summary>Forgets the remembered row (a test that changed it behind the owner's back).</summary>
    public void Forget(string messageId, string number) => _rows.TryRemove((messageId, number), out _);

    /// <summary>
    /// The engine under <see cref="ApplyAsync(RecipientEntity, RecipientChange, TimeSpan, CancellationToken)"/>:
    /// applies <paramref name="change"/> to the recipient's current row and writes it if the change says so
    /// (returns true). Returns the row as this change left it once written, or null when the recipient does not
    /// exist or the change declined. <paramref name="change"/> may run more than once (after a conflict, on the
    /// re-read row), so it must be a decision, not an effect.
    /// </summary>
    internal async Task<RecipientEntity?> UpdateAsync(
        string messageId, string number, RecipientEntity? known, Func<RecipientEntity, bool> change, TimeSpan holdFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var key = (messageId, number);
        var gate = _locks[(int)((uint)HashCode.Combine(messageId, number) % Stripes)];
        Pending pending;
        int index;
        await gate.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                if (_pending.TryGetValue(key, out var waiting))
                {
                    // The previous change has not gone out yet: this one rides with it.
                    var joined = false;
                    lock (waiting)
                    {
                        if (!waiting.Sealed)
                        {
                            var next = waiting.Row.Copy();
                            if (!change(next)) { return null; }
                            waiting.Row = next;
                            waiting.Changes.Add(change);
                            waiting.Snapshots.Add(next.Copy());
                            joined = true;
                        }
                    }

                    if (joined)
                    {
                        pending = waiting;
                        lock (waiting) { index = waiting.Snapshots.Count - 1; }
                        Submit(waiting); // Joined: nothing more to wait for.
                        break;
                    }

                    if (!waiting.Done.Task.IsCompleted)
                    {
                        await Task.WhenAny(waiting.Done.Task); // Being written: build on what it writes.
                        continue;
                    }
                }

                if (_inFlight.TryGetValue(key, out var writing) && !writing.IsCompleted)
                {
                    await Task.WhenAny(writing);
                    continue;
                }

                // A write that has completed already left its row in _rows (or, after a failure, nothing newer
                // than what the ETag check will catch).
                var current = _rows.TryGetValue(key, out var remembered) ? remembered
                    : known is not null && known.ETag != default ? known.Copy()
                    : await _store.GetAsync(messageId, number, cancellationToken);
                if (current is null)
                {
                    return null;
                }

                var row = current.Copy();
                if (!change(row))
                {
                    _rows[key] = current;
                    return null;
                }

                pending = new Pending(key, current.PartitionKey, current.ETag, row, change, row.Copy());
                index = 0;
                _pending[key] = pending;
                // A row already final has nothing left to wait for (its receipt came first).
                Hold(pending, RecipientRows.StateOf(row).IsTerminal() ? TimeSpan.Zero : holdFor);
                break;
            }
        }
        finally
        {
            gate.Release();
        }

        return await Finish(pending, index, cancellationToken);
    }

    private static async Task<RecipientEntity?> Finish(Pending pending, int index, CancellationToken cancellationToken)
    {
        await pending.Done.Task.WaitAsync(cancellationToken);
        lock (pending) { return pending.Declined.Contains(index) ? null : pending.Snapshots[index]; }
    }

    /// <summary>Hands the change to its partition's group commit now, or after <paramref name="holdFor"/> unless a
    /// later change joins it first.</summary>
    private void Hold(Pending pending, TimeSpan holdFor)
    {
        if (holdFor <= TimeSpan.Zero)
        {
            Submit(pending);
            return;
        }

        // A timer, not a cancelled delay: a join (the usual end of a hold) then costs no exception. Called under the
        // recipient's gate, as every join is, so the timer is in place before anything can submit the change.
        pending.Hold = _time.CreateTimer(state => Submit((Pending)state!), pending, holdFor, Timeout.InfiniteTimeSpan);
    }

    private void Submit(Pending pending)
    {
        if (Interlocked.Exchange(ref pending.Submitted, 1) != 0)
        {
            return;
        }

        pending.Hold?.Dispose(); // The hold, if any, is over.
        var group = _groups[(int)((uint)StringComparer.Ordinal.GetHashCode(pending.PartitionKey) % GroupStripes)];
        _ = group.AddAsync(pending, CancellationToken.None).ContinueWith(
            t => pending.Done.TrySetException(t.Exception!.InnerExceptions),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>One group commit's batch: one transaction per partition (each at most 100 rows), side by side.</summary>
    private Task FlushAsync(IReadOnlyList<Pending> batch, CancellationToken cancellationToken) =>
        Task.WhenAll(batch.GroupBy(p => p.PartitionKey, StringComparer.Ordinal)
            .Select(partition => WriteAsync(RecipientKeys.MessageIdOf(partition.Key), partition.ToList())));

    /// <summary>Writes the given pending changes of one partition: one transaction, or one by one after a conflict.
    /// Never throws: an error goes to the callers waiting on the rows.</summary>
    private async Task WriteAsync(string messageId, List<Pending> batch)
    {
        var rows = new List<RecipientEntity>(batch.Count);
        foreach (var p in batch)
        {
            _inFlight[p.Key] = p.Done.Task;
            lock (p)
            {
                p.Sealed = true; // Later changes of this recipient wait for this write and build on it.
                var row = p.Row.Copy();
                row.ETag = p.BaseETag;
                rows.Add(row);
            }

            _pending.TryRemove(new KeyValuePair<(string, string), Pending>(p.Key, p));
        }

        try
        {
            var written = batch.Count == 1
                ? await _store.TryReplaceAsync(rows[0])
                : await _store.TryReplaceBatchAsync(messageId, rows);
            if (written)
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    Remember(rows[i]);
                    batch[i].Done.TrySetResult();
                }

                return;
            }

            // Someone else changed a row of the batch (or our own write committed and its answer was lost, which
            // looks the same): each row re-read, its changes decided again, written alone.
            foreach (var p in batch)
            {
                try
                {
                    await RewriteAsync(p);
                    p.Done.TrySetResult();
                }
#pragma warning disable CA1031 // The error belongs to the callers waiting on this row.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    _rows.TryRemove(p.Key, out _);
                    p.Done.TrySetException(ex);
                }
            }
        }
#pragma warning disable CA1031 // The error belongs to the callers waiting on these rows.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The write may or may not have happened: forget what we remember, so the next change reads.
            foreach (var p in batch)
            {
                _rows.TryRemove(p.Key, out _);
                p.Done.TrySetException(ex);
            }
        }
        finally
        {
            foreach (var p in batch) { _inFlight.TryRemove(new KeyValuePair<(string, string), Task>(p.Key, p.Done.Task)); }
        }
    }

    private async Task RewriteAsync(Pending p)
    {
        var (messageId, number) = p.Key;
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var current = await _store.GetAsync(messageId, number);
            if (current is null)
            {
                lock (p) { for (var i = 0; i < p.Changes.Count; i++) { p.Declined.Add(i); } }
                _rows.TryRemove(p.Key, out _);
                return;
            }

            var row = current.Copy();
            var declined = new HashSet<int>();
            var snapshots = new List<RecipientEntity>();
            List<Func<RecipientEntity, bool>> changes;
            lock (p) { changes = [.. p.Changes]; }
            for (var i = 0; i < changes.Count; i++)
            {
                if (!changes[i](row)) { declined.Add(i); }
                snapshots.Add(row.Copy());
            }

            if (declined.Count == changes.Count)
            {
                lock (p) { p.Declined.UnionWith(declined); }
                _rows[p.Key] = current;
                return;
            }

            if (await _store.TryReplaceAsync(row))
            {
                Remember(row);
                lock (p)
                {
                    p.Declined.UnionWith(declined);
                    for (var i = 0; i < snapshots.Count; i++) { p.Snapshots[i] = snapshots[i]; }
                }

                return;
            }
        }

        throw new InvalidOperationException($"Recipient {number} of message {messageId} kept changing under eight attempts to update it.");
    }

    /// <summary>One recipient's changes not yet written: the row as they leave it, on top of the row read with <see cref="BaseETag"/>.</summary>
    private sealed class Pending((string, string) key, string partitionKey, Azure.ETag baseETag, RecipientEntity row, Func<RecipientEntity, bool> change, RecipientEntity snapshot)
    {
        public int Submitted;

        public (string, string) Key { get; } = key;
        public string PartitionKey { get; } = partitionKey;
        public Azure.ETag BaseETag { get; } = baseETag;
        public RecipientEntity Row { get; set; } = row;
        public List<Func<RecipientEntity, bool>> Changes { get; } = [change];
        public List<RecipientEntity> Snapshots { get; } = [snapshot];
        public HashSet<int> Declined { get; } = [];
        public bool Sealed { get; set; }
        public ITimer? Hold { get; set; }
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
