namespace SmsFunctions.Core.Retry;

/// <summary>Turns retry decisions into due times on an injected clock.</summary>
public sealed class RetryClock(TimeProvider time, Random random)
{
    /// <summary>A clock on the system time with a shared, thread-safe random source.</summary>
    public static RetryClock System { get; } = new(TimeProvider.System, Random.Shared);

    /// <summary>When to try again after <paramref name="attemptsSoFar"/> failed attempts, or null to give up.</summary>
    public DateTimeOffset? NextDueAt(RetrySchedule schedule, int attemptsSoFar)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return DueAt(schedule.NextAttempt(attemptsSoFar, random));
    }

    /// <summary>When a decision taken now falls due, or null for <see cref="RetryDecision.GiveUp"/>.</summary>
    public DateTimeOffset? DueAt(RetryDecision decision) => decision switch
    {
        RetryDecision.RetryAfter retry => time.GetUtcNow() + retry.Delay,
        _ => null,
    };
}
