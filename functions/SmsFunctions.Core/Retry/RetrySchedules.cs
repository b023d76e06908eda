namespace SmsFunctions.Core.Retry;

/// <summary>The schedules the pipeline uses, by name.</summary>
public static class RetrySchedules
{
    public const int DefaultWebhookRetries = 3;
    public const int MaxWebhookRetries = 10;

    /// <summary>Submitting to one carrier: 1 s → 5 s → 15 s → give up and fall back to the next carrier in the route.</summary>
    public static RetrySchedule CarrierSubmit { get; } =
        new([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)], 0.2, 4);

    /// <summary>
    /// Delivering a callback to the customer's webhook: 5 s, ×3 each time, at most 10 minutes apart, ±20 % jitter.
    /// <paramref name="retries"/> is the callback's <c>retry</c> field (default 3), clamped to 0…10.
    /// </summary>
    public static RetrySchedule Webhook(int retries = DefaultWebhookRetries)
        => RetrySchedule.Exponential(TimeSpan.FromSeconds(5), 3.0, TimeSpan.FromMinutes(10), Math.Clamp(retries, 0, MaxWebhookRetries), 0.2);
}
