namespace SmsFunctions.Queues;

/// <summary>The send side of a queue transport. Handlers depend only on this, so they run unchanged whether a local
/// listener (Storage Queues) or the Functions host (Service Bus trigger) delivered their input.</summary>
public interface IQueueSender
{
    Task SendAsync(string queueName, OutgoingQueueMessage message, CancellationToken cancellationToken = default);

    /// <summary>Sends several messages to one queue, in as few round trips as the transport allows.</summary>
    Task SendBatchAsync(string queueName, IReadOnlyList<OutgoingQueueMessage> messages, CancellationToken cancellationToken = default);
}
