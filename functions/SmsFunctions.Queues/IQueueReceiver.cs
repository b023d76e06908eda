namespace SmsFunctions.Queues;

/// <summary>The receive side, used only by the local trigger runtime; in Azure the Functions host receives.</summary>
public interface IQueueReceiver
{
    Task<IReadOnlyList<ReceivedQueueMessage>> ReceiveAsync(string queueName, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>Removes a message that was handled.</summary>
    Task CompleteAsync(ReceivedQueueMessage message, CancellationToken cancellationToken = default);

    /// <summary>Returns a message to its queue, visible again after <paramref name="delay"/>.</summary>
    Task AbandonAsync(ReceivedQueueMessage message, TimeSpan delay, CancellationToken cancellationToken = default);

    /// <summary>Keeps a message being handled invisible for another <paramref name="visibilityTimeout"/>, so a long
    /// handler is not redelivered to someone else meanwhile. Returns the message with its new receipt (complete and
    /// abandon need the latest). A transport that cannot renew returns the message unchanged.</summary>
    Task<ReceivedQueueMessage> RenewAsync(ReceivedQueueMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
        => Task.FromResult(message);

    /// <summary>Approximate number of messages waiting, for queue-lag metrics; null when unknown.</summary>
    Task<int?> GetApproximateCountAsync(string queueName, CancellationToken cancellationToken = default);
}
