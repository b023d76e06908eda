using SmsFunctions.Queues;

namespace SmsFunctions.App.Triggers;

/// <summary>
/// What a queue-triggered function does with one message. The same handler runs under the local runtime (Storage
/// Queues listener) and under the Functions host (<c>POST /{FunctionName}</c>); it must not know which one called it.
/// Handlers are resolved from a fresh DI scope per invocation and must be idempotent: a message may arrive twice.
/// </summary>
public interface IQueueMessageHandler
{
    /// <summary>Handles the message. Return <see cref="QueueHandlingResult.Completed"/> when done, or
    /// <see cref="QueueHandlingResult.RetryAfter"/> for a deliberate delayed retry. Throw to signal a failure: the message
    /// is retried with backoff and, after <c>Sms:Runtime:MaxDeliveryCount</c> deliveries, handed to
    /// <see cref="HandlePoisonAsync"/>. Never catch-and-swallow to "complete" a message that failed.</summary>
    Task<QueueHandlingResult> HandleAsync(ReceivedQueueMessage message, CancellationToken cancellationToken);

    /// <summary>Called once a message has failed too often; record the terminal state (e.g. mark it failed and fire the
    /// customer's callback). If this throws the message stays on its queue and comes back.</summary>
    Task HandlePoisonAsync(ReceivedQueueMessage message, string reason, CancellationToken cancellationToken);
}
