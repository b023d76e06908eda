using System.Collections.Concurrent;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// The one place recipient rows change after acceptance (dispatch outcomes, receipts, expiry). Within this process,
/// changes to one recipient are serialised (striped locks) and the last written row, with its ETag, is remembered,
/// so a change usually costs no read. Across processes the ETag still decides: on a conflict the row is re-read and
/// every pending change decided again.
/// <para>
/// Writes are group-committed per partition (a message's shard): changes to different recipients of a shard that
/// arrive within a few milliseconds go out as one ETag-guarded entity-group transaction, and a change to a recipient
/// whose previous change is still waiting joins it — a dispatch outcome held for <c>holdFor</c> is usually joined
/// by its delivery receipt, and both become one write. A caller's task completes only once the write carrying its
/// change is durable, and it gets the row as its own change left it.
/// </para>
/// </summary>
public sealed class RecipientStateWriter(RecipientStore store, TimeProvider time)
{
    private const int Stripes = 1024;
    private const int MaxRemembered = 50_000;

    /// <summary>How long a change waits for others of its partition to share a transaction.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(3);

    private TimeProvider Clock => time;

    private readonly SemaphoreSlim[] _locks = Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly ConcurrentDictionary<(string, string), RecipientEntity> _rows = new();
    private readonly ConcurrentQueue<(string, string)> _order = new();
    private readonly ConcurrentDictionary<(string, string), Pending> _pending = new();
    private readonly ConcurrentDictionary<(string, string), Task> _inFlight = new();
    private readonly ConcurrentDictionary<string, Partition> _partitions = new(StringComparer.Ordinal);

    /// <summary>Remembers rows just written elsewhere (claims), so the next change needs no read.</summary>
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

    /// <summary>The row as this process last wrote or claimed it, if it still remembers it (for reads that can be a
    /// little stale, like a webhook's view); null otherwise.</summary>
    public RecipientEntity? Remembered(string messageId, string number) =>
        _rows.TryGetValue((messageId, number), out var row) ? row : null;

    public void Forget(string messageId, string number) => _rows.TryRemove((messageId, number), out _);

    /// <summary>
    /// Applies <paramref name="change"/> to the recipient's current row and writes it if the change says so (returns
    /// true). Returns the row as this change left it once written, or null when the recipient does not exist or the
    /// change declined.
    /// </summary>
    public Task<RecipientEntity?> UpdateAsync(string messageId, string number, Func<RecipientEntity, bool> change, CancellationToken cancellationToken = default)
        => UpdateAsync(messageId, number, change, TimeSpan.Zero, cancellationToken);

    /// <summary>As <see cref="UpdateAsync(string, string, Func{RecipientEntity, bool}, CancellationToken)"/>, but the
    /// write may wait up to <paramref name="holdFor"/> for a later change of the same recipient to join it.</summary>
    public async Task<RecipientEntity?> UpdateAsync(string messageId, string number, Func<RecipientEntity, bool> change, TimeSpan holdFor, CancellationToken cancellationToken = default)
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
                        waiting.Partition.Expedite(waiting, time.GetUtcNow() + Linger);
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

                var current = _rows.TryGetValue(key, out var known) ? known : await store.GetAsync(messageId, number, cancellationToken);
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

                var partition = _partitions.GetOrAdd(row.PartitionKey, pk => new Partition(this, pk));
                pending = new Pending(key, partition, current.ETag, row, change, row.Copy());
                index = 0;
                _pending[key] = pending;
                partition.Add(pending, time.GetUtcNow() + (holdFor > Linger ? holdFor : Linger));
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

    /// <summary>Writes the given pending changes of one partition: one transaction, or one by one after a conflict.</summary>
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
                ? await store.TryReplaceAsync(rows[0])
                : await store.TryReplaceBatchAsync(messageId, rows);
            if (written)
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    Remember(rows[i]);
                    batch[i].Done.TrySetResult();
                }

                return;
            }

            // Someone else changed a row of the batch: each row re-read, its changes decided again, written alone.
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
                    p.Done.TrySetException(ex);
                }
            }
        }
#pragma warning disable CA1031 // The error belongs to the callers waiting on these rows.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var p in batch) { p.Done.TrySetException(ex); }
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
            var current = await store.GetAsync(messageId, number);
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

            if (await store.TryReplaceAsync(row))
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
    private sealed class Pending((string, string) key, Partition partition, Azure.ETag baseETag, RecipientEntity row, Func<RecipientEntity, bool> change, RecipientEntity snapshot)
    {
        public (string, string) Key { get; } = key;
        public Partition Partition { get; } = partition;
        public Azure.ETag BaseETag { get; } = baseETag;
        public RecipientEntity Row { get; set; } = row;
        public List<Func<RecipientEntity, bool>> Changes { get; } = [change];
        public List<RecipientEntity> Snapshots { get; } = [snapshot];
        public HashSet<int> Declined { get; } = [];
        public DateTimeOffset DueAt { get; set; }
        public bool Sealed { get; set; }
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The pending changes of one partition, written when the earliest of them is due (100 to a transaction).</summary>
    private sealed class Partition(RecipientStateWriter writer, string partitionKey)
    {
        private readonly List<Pending> _items = [];
        private DateTimeOffset _wakeAt = DateTimeOffset.MaxValue;
        private CancellationTokenSource? _sleep;
        private bool _running;

        public void Add(Pending pending, DateTimeOffset dueAt)
        {
            lock (_items)
            {
                pending.DueAt = dueAt;
                _items.Add(pending);
                Schedule(dueAt);
            }
        }

        /// <summary>A change joined <paramref name="pending"/>: write it soon rather than at the end of its hold.</summary>
        public void Expedite(Pending pending, DateTimeOffset dueAt)
        {
            lock (_items)
            {
                if (pending.DueAt > dueAt && _items.Contains(pending))
                {
                    pending.DueAt = dueAt;
                    Schedule(dueAt);
                }
            }
        }

        private void Schedule(DateTimeOffset dueAt)
        {
            if (!_running)
            {
                _running = true;
                _wakeAt = dueAt;
                _ = Task.Run(RunAsync, CancellationToken.None);
            }
            else if (dueAt < _wakeAt)
            {
                _wakeAt = dueAt;
                _sleep?.Cancel();
            }
        }

        private async Task RunAsync()
        {
            while (true)
            {
                List<Pending> due;
                TimeSpan wait;
                CancellationTokenSource sleep;
                lock (_items)
                {
                    var now = writer.Clock.GetUtcNow();
                    if (_items.Count == 0)
                    {
                        _running = false;
                        _wakeAt = DateTimeOffset.MaxValue;
                        writer._partitions.TryRemove(new KeyValuePair<string, Partition>(partitionKey, this));
                        return;
                    }

                    // Everything due soon goes now: a row whose hold has almost run out is worth carrying along.
                    var horizon = now + Linger;
                    due = _items.Where(p => p.DueAt <= horizon).Take(TableBatches.MaxActions).ToList();
                    if (due.Count > 0)
                    {
                        foreach (var p in due) { _items.Remove(p); }
                        wait = TimeSpan.Zero;
                        sleep = null!;
                    }
                    else
                    {
                        _wakeAt = _items.Min(p => p.DueAt);
                        wait = _wakeAt - now;
                        _sleep = sleep = new CancellationTokenSource();
                    }
                }

                if (due.Count > 0)
                {
                    await writer.WriteAsync(RecipientKeys.MessageIdOf(partitionKey), due);
                    continue;
                }

                try { await Task.Delay(wait, writer.Clock, sleep.Token); }
                catch (OperationCanceledException) { }
                finally { sleep.Dispose(); }
            }
        }
    }
}
