using Azure.Messaging.ServiceBus;

namespace SmsFunctions.Queues.ServiceBus;

/// <summary>A send to Service Bus failed for good: a permanent refusal (no such queue, no Data Sender role, too large)
/// or transient failures that outlasted the SDK's retries (<see cref="IsTransient"/>). The message says what to check.</summary>
public sealed class ServiceBusSendException : Exception
{
    public ServiceBusSendException() { }

    public ServiceBusSendException(string message) : base(message) { }

    public ServiceBusSendException(string message, Exception innerException) : base(message, innerException) { }

    public ServiceBusSendException(string message, ServiceBusFailureReason? reason, string? queueName, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        QueueName = queueName;
        IsTransient = isTransient;
    }

    /// <summary>The broker's reason, or null when the failure was not the broker's (authorization, network).</summary>
    public ServiceBusFailureReason? Reason { get; }

    public string? QueueName { get; }

    /// <summary>True when retrying later may succeed.</summary>
    public bool IsTransient { get; }

    /// <summary>True for the failures <see cref="From"/> translates; a cancellation the caller asked for passes as is.</summary>
    public static bool Explains(Exception exception, CancellationToken cancellationToken) =>
        exception is ServiceBusException or UnauthorizedAccessException
        || exception is OperationCanceledException && !cancellationToken.IsCancellationRequested;

    /// <summary>Translates what the SDK threw for a send of <paramref name="messageCount"/> message(s).</summary>
    public static ServiceBusSendException From(Exception exception, string fullyQualifiedNamespace, string queueName, int messageCount)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var entity = $"{fullyQualifiedNamespace}/{queueName}";
        return exception switch
        {
            UnauthorizedAccessException => new(
                $"Service Bus refused the identity for {entity}: it lacks Azure Service Bus Data Sender on the queue (or its namespace), or the token is for another tenant. {exception.Message}",
                null, queueName, isTransient: false, exception),
            ServiceBusException sb => new(Describe(sb, entity, messageCount), sb.Reason, queueName, sb.IsTransient, exception),
            _ => new($"Sending {messageCount} message(s) to Service Bus queue {entity} got no answer in time; the SDK's retries are spent. {exception.Message}",
                ServiceBusFailureReason.ServiceTimeout, queueName, isTransient: true, exception),
        };
    }

    /// <summary>A message that does not fit in a batch even alone.</summary>
    public static ServiceBusSendException TooLarge(string fullyQualifiedNamespace, string queueName, string messageId, long maxSizeInBytes) => new(
        $"Service Bus message '{messageId}' for {fullyQualifiedNamespace}/{queueName} is larger than the {maxSizeInBytes} bytes a batch can carry (Standard tier: 256 KB per message and per batch); nothing of the batch was sent.",
        ServiceBusFailureReason.MessageSizeExceeded, queueName, isTransient: false);

    private static string Describe(ServiceBusException exception, string entity, int messageCount)
    {
        var what = exception.Reason switch
        {
            ServiceBusFailureReason.MessagingEntityNotFound =>
                $"Service Bus queue or namespace does not exist: {entity}. Check Sms:ServiceBus:Namespace and that infra created the queue.",
            ServiceBusFailureReason.MessagingEntityDisabled => $"Service Bus queue {entity} is disabled.",
            ServiceBusFailureReason.MessageSizeExceeded =>
                $"Service Bus refused the message as too large for {entity}: Standard tier allows 256 KB per message and per batch.",
            ServiceBusFailureReason.QuotaExceeded => $"Service Bus queue {entity} is full (its quota is exceeded).",
            _ when exception.IsTransient =>
                $"Sending {messageCount} message(s) to Service Bus queue {entity} failed after the SDK's retries ({exception.Reason}).",
            _ => $"Service Bus refused a send to {entity} ({exception.Reason}).",
        };
        return what + " " + exception.Message;
    }
}
