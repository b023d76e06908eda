using Azure.Messaging.ServiceBus;

namespace SmsFunctions.Queues.ServiceBus;

/// <summary>Options of the Service Bus transport, bound from <c>Sms:ServiceBus</c> (the namespace from
/// <c>Sms:ServiceBus:Namespace</c>). In Azure the client authenticates with the managed identity; a
/// <see cref="ConnectionString"/> (local experiments against a real namespace) takes precedence when set.</summary>
public sealed class ServiceBusTransportOptions
{
    /// <summary><c>{name}.servicebus.windows.net</c>. A bare name gets <c>.servicebus.windows.net</c> appended; a
    /// <c>https://</c> or <c>sb://</c> URI is reduced to its host.</summary>
    public string FullyQualifiedNamespace { get; set; } = string.Empty;

    /// <summary>A namespace connection string (<c>Endpoint=sb://…;SharedAccessKeyName=…</c>): used instead of the
    /// credential when set. Never set in Azure, where the identity is the only key.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Attempts per operation, the first included; the SDK retries transient failures (busy, timeouts,
    /// lost connections) with exponential backoff.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>First backoff; the SDK doubles it per attempt, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan BaseRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Upper bound of any wait between attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most messages per batch; the batch's byte limit is the link's (256 KB on Standard tier).</summary>
    public int MaxBatchCount { get; set; } = 100;

    /// <summary>The client's options: retries as configured here.</summary>
    public ServiceBusClientOptions ToClientOptions() => new()
    {
        RetryOptions = new ServiceBusRetryOptions
        {
            Mode = ServiceBusRetryMode.Exponential,
            MaxRetries = Math.Max(0, MaxAttempts - 1),
            Delay = BaseRetryDelay,
            MaxDelay = MaxRetryDelay,
            TryTimeout = AttemptTimeout,
        },
    };

    public static string NormalizeNamespace(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Host) && text.Contains("://", StringComparison.Ordinal))
        {
            text = uri.Host;
        }
        text = text.TrimEnd('/');
        return text.Length > 0 && !text.Contains('.', StringComparison.Ordinal) ? text + ".servicebus.windows.net" : text;
    }
}
