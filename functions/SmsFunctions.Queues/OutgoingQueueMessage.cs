namespace SmsFunctions.Queues;

/// <summary>A message to put on a queue. <paramref name="Id"/> is stable across re-sends of the same work so that
/// transports with duplicate detection (Service Bus <c>MessageId</c>) drop a repeated send.</summary>
public sealed record OutgoingQueueMessage(string Id, string Body, TimeSpan? Delay = null, string? CorrelationId = null)
{
    /// <summary>Deliveries this work already had before it was re-sent as this message (a failed invocation re-sent
    /// with a delay under the Functions host). The receiving side adds it to the transport's own delivery count, so
    /// the poison rule still counts every attempt: Service Bus carries it as the application property
    /// <see cref="QueueMessageProperties.PriorDeliveries"/>, Storage Queues in the envelope.</summary>
    public int PriorDeliveries { get; init; }
}
