namespace SmsFunctions.Queues.ServiceBus;

/// <summary>Options of <see cref="ServiceBusRestSender"/>, bound from <c>Sms:ServiceBus</c> (the namespace from
/// <c>Sms:ServiceBus:Namespace</c>).</summary>
public sealed class ServiceBusTransportOptions
{
    /// <summary><c>{name}.servicebus.windows.net</c>. A bare name gets <c>.servicebus.windows.net</c> appended; a
    /// <c>https://</c> or <c>sb://</c> URI is reduced to its host.</summary>
    public string FullyQualifiedNamespace { get; set; } = string.Empty;

    /// <summary>For tests only: send to this base address (e.g. <c>http://127.0.0.1:5123</c>) instead of
    /// <c>https://{FullyQualifiedNamespace}</c>.</summary>
    public Uri? EndpointOverride { get; set; }

    /// <summary>Attempts per request, the first included; 429, 408, 5xx and timeouts are retried.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>First backoff; doubles per attempt, with ±20 % jitter, capped at <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan BaseRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Upper bound of any wait, including one asked for by <c>Retry-After</c>.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest JSON batch body; Standard tier allows 256 KB per message and per batch, this leaves headroom for
    /// the broker's per-message overhead.</summary>
    public int MaxBatchBytes { get; set; } = 240 * 1024;

    /// <summary>Most messages per batch request.</summary>
    public int MaxBatchCount { get; set; } = 100;

    /// <summary>The base address requests go to.</summary>
    public Uri GetBaseAddress() =>
        EndpointOverride ?? new Uri("https://" + NormalizeNamespace(FullyQualifiedNamespace) + "/", UriKind.Absolute);

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
