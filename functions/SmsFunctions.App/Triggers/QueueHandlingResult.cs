namespace SmsFunctions.App.Triggers;

/// <summary>The outcome a handler reports for a message it handled without throwing.</summary>
public sealed record QueueHandlingResult
{
    private QueueHandlingResult(TimeSpan? retryDelay, string? reason)
    {
        RetryDelay = retryDelay;
        Reason = reason;
    }

    /// <summary>The message is done and is removed from its queue.</summary>
    public static QueueHandlingResult Completed { get; } = new(null, null);

    /// <summary>Null when completed; otherwise how long to wait before the message is handled again.</summary>
    public TimeSpan? RetryDelay { get; }

    /// <summary>Why a retry was asked for (logged); null when completed.</summary>
    public string? Reason { get; }

    public bool IsCompleted => RetryDelay is null;

    /// <summary>Hand the message back to be delivered again after <paramref name="delay"/> (throttled carrier, webhook
    /// backoff…). Locally the message is abandoned with that visibility delay; under the Functions host it is re-sent
    /// with a scheduled time.</summary>
    public static QueueHandlingResult RetryAfter(TimeSpan delay, string reason)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new QueueHandlingResult(delay, reason);
    }
}
