using System.Net;

namespace SmsFunctions.Queues.ServiceBus;

/// <summary>A send to Service Bus failed for good: either a non-transient answer (401, 403, 404, 410, 400, 413 …) or
/// transient failures that outlasted the retries (<see cref="IsTransient"/>).</summary>
public sealed class ServiceBusSendException : Exception
{
    public ServiceBusSendException() { }

    public ServiceBusSendException(string message) : base(message) { }

    public ServiceBusSendException(string message, Exception innerException) : base(message, innerException) { }

    public ServiceBusSendException(string message, HttpStatusCode? statusCode, string? queueName, bool isTransient, int attempts, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        QueueName = queueName;
        IsTransient = isTransient;
        Attempts = attempts;
    }

    /// <summary>The last HTTP status, or null when no answer came (network failure, timeout).</summary>
    public HttpStatusCode? StatusCode { get; }

    public string? QueueName { get; }

    /// <summary>True when the last failure was a transient one and retrying later may succeed.</summary>
    public bool IsTransient { get; }

    /// <summary>How many HTTP attempts were made.</summary>
    public int Attempts { get; }
}
