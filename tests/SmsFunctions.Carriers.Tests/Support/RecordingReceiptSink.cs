namespace SmsFunctions.Carriers.Tests.Support;

/// <summary>Keeps every receipt; optionally fails the first calls. Tests wait on <see cref="WaitForAsync"/>.</summary>
internal sealed class RecordingReceiptSink : IDeliveryReceiptSink
{
    private readonly List<DeliveryReceipt> _receipts = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many of the next calls throw before recording.</summary>
    public int FailNext { get; set; }

    public IReadOnlyList<DeliveryReceipt> Receipts
    {
        get { lock (_receipts) { return [.. _receipts]; } }
    }

    public Task AcceptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource changed;
        lock (_receipts)
        {
            if (FailNext > 0)
            {
                FailNext--;
                throw new InvalidOperationException("sink down");
            }

            _receipts.Add(receipt);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<DeliveryReceipt>> WaitForAsync(Func<DeliveryReceipt, bool> predicate, int count, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            Task changed;
            List<DeliveryReceipt> matches;
            lock (_receipts)
            {
                changed = _changed.Task;
                matches = _receipts.Where(predicate).ToList();
            }

            if (matches.Count >= count) { return matches; }
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Expected {count} receipts, got {matches.Count}: {string.Join(", ", Receipts.Select(r => $"{r.MessageId}/{r.State}"))}");
            }
        }
    }
}
