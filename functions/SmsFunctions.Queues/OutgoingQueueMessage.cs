namespace SmsFunctions.Queues;

/// <summary>A message to put on a queue. <paramref name="Id"/> is stable across re-sends of the same work so that
/// transports with duplicate detection (Service Bus <c>MessageId</c>) drop a repeated send.</summary>
public sealed record OutgoingQueueMessage(string Id, string Body, TimeSpan? Delay = null, string? CorrelationId = null);
