namespace SmsFunctions.Storage.Tables;

/// <summary>
/// Group commit: callers that arrive within a few milliseconds of each other share one write. The first caller
/// waits <c>linger</c>, then writes everything pending (up to <c>maxItems</c> at a time) with <c>flush</c>; every
/// caller's task completes only when the write that carried its item has succeeded (or faults with its error), so
/// nothing is acknowledged before it is durable. Storage operations are the scarce resource on Azurite: one queue
/// message or one entity-group transaction for many SMS instead of one each (see <see cref="TableGroupCommit{TEntity}"/>).
/// </summary>
public sealed class GroupCommit<T>(Func<IReadOnlyList<T>, CancellationToken, Task> flush, int maxItems, TimeSpan linger)
{
    private readonly object _gate = new();
    private List<(T Item, TaskCompletionSource Done)> _pending = [];
    private bool _flushing;

    /// <summary>Queues <paramref name="item"/> and completes when the write that carried it is durable (or faults
    /// with its error). <paramref name="cancellationToken"/> is honoured only before the item is queued.</summary>
    public async Task AddAsync(T item, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool lead;
        lock (_gate)
        {
            _pending.Add((item, done));
            lead = !_flushing;
            _flushing = true;
        }

        if (lead)
        {
            // The leader writes on behalf of everyone; it is not cancelled by its own caller giving up, since others wait on it.
            _ = Task.Run(LeadAsync, CancellationToken.None);
        }

        // Once queued, the item is written whatever this caller does: it must learn the outcome, so its token is not
        // watched here (a caller told "cancelled" while its write went out would refund a charged send, for one).
        await done.Task;
    }

    private async Task LeadAsync()
    {
        if (linger > TimeSpan.Zero)
        {
            await Task.Delay(linger);
        }

        while (true)
        {
            List<(T Item, TaskCompletionSource Done)> batch;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _flushing = false;
                    return;
                }

                if (_pending.Count <= maxItems)
                {
                    batch = _pending;
                    _pending = [];
                }
                else
                {
                    batch = _pending.GetRange(0, maxItems);
                    _pending.RemoveRange(0, maxItems);
                }
            }

            try
            {
                await flush(batch.Select(b => b.Item).ToList(), CancellationToken.None);
                foreach (var (_, done) in batch) { done.TrySetResult(); }
            }
            catch (Exception ex)
            {
                foreach (var (_, done) in batch) { done.TrySetException(ex); }
            }
        }
    }
}
