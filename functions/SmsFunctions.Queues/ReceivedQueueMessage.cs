namespace SmsFunctions.Queues;

/// <summary>A message taken from a queue. <see cref="DeliveryCount"/> starts at 1 and grows on every redelivery;
/// <see cref="Receipt"/> is the transport's handle for complete/abandon (pop receipt, lock token).</summary>
public sealed record ReceivedQueueMessage(
    string QueueName,
    string Id,
    string Body,
    int DeliveryCount,
    string Receipt,
    DateTimeOffset? EnqueuedAt,
    string? CorrelationId = null);
