namespace SmsFunctions.Core.Retry;

/// <summary>
/// A retry policy written as data: the delay before each retry, a jitter fraction, and the total number of attempts
/// (the first try included). After attempt <c>n</c> fails the delay is <c>Delays[n - 1]</c> (the last delay repeats
/// if the list is shorter than <c>MaxAttempts - 1</c>), spread uniformly by ± <c>JitterFraction</c> so retries of
/// a burst do not all land together.
/// </summary>
public sealed record RetrySchedule
{
    public RetrySchedule(IReadOnlyList<TimeSpan> delays, double jitterFraction, int maxAttempts)
    {
        ArgumentNullException.ThrowIfNull(delays);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        if (jitterFraction is < 0 or > 1 || double.IsNaN(jitterFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(jitterFraction), jitterFraction, "Jitter must be between 0 and 1.");
        }

        if (maxAttempts > 1 && delays.Count == 0)
        {
            throw new ArgumentException("A schedule that retries needs at least one delay.", nameof(delays));
        }

        if (delays.Any(d => d < TimeSpan.Zero))
        {
            throw new ArgumentException("Delays cannot be negative.", nameof(delays));
        }

        Delays = delays;
        JitterFraction = jitterFraction;
        MaxAttempts = maxAttempts;
    }

    public IReadOnlyList<TimeSpan> Delays { get; }

    public double JitterFraction { get; }

    /// <summary>Total attempts, the first one included; 1 means never retry.</summary>
    public int MaxAttempts { get; }

    /// <summary>Delays first, first×factor, first×factor², … capped at <paramref name="max"/>, for <paramref name="retries"/> retries.</summary>
    public static RetrySchedule Exponential(TimeSpan first, double factor, TimeSpan max, int retries, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retries);
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1.0);
        var delays = new TimeSpan[retries];
        var next = first;
        for (var i = 0; i < retries; i++)
        {
            delays[i] = next < max ? next : max;
            next = next >= max / factor ? max : next * factor;
        }

        return new RetrySchedule(delays, jitter, retries + 1);
    }

    /// <summary>The decision after <paramref name="attemptsSoFar"/> attempts (at least 1) have failed.</summary>
    public RetryDecision NextAttempt(int attemptsSoFar, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(attemptsSoFar, 1);
        if (attemptsSoFar >= MaxAttempts)
        {
            return RetryDecision.GiveUp.Instance;
        }

        var delay = Delays[Math.Min(attemptsSoFar - 1, Delays.Count - 1)];
        if (JitterFraction > 0)
        {
            var factor = 1 + (JitterFraction * ((2 * random.NextDouble()) - 1));
            delay = TimeSpan.FromTicks((long)(delay.Ticks * factor));
        }

        return new RetryDecision.RetryAfter(delay, attemptsSoFar + 1);
    }

    public bool Equals(RetrySchedule? other) => other is not null
        && JitterFraction.Equals(other.JitterFraction)
        && MaxAttempts == other.MaxAttempts
        && Delays.SequenceEqual(other.Delays);

    public override int GetHashCode() => HashCode.Combine(JitterFraction, MaxAttempts, Delays.Count);
}
