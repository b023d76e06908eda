namespace SmsFunctions.Core.Retry;

/// <summary>What to do after a failed attempt: <see cref="RetryAfter"/> a delay, or <see cref="GiveUp"/>.</summary>
public abstract record RetryDecision
{
    private RetryDecision()
    {
    }

    /// <summary>Try again after <paramref name="Delay"/>; <paramref name="Attempt"/> is the number the next attempt will have (2 for the first retry).</summary>
    public sealed record RetryAfter(TimeSpan Delay, int Attempt) : RetryDecision;

    /// <summary>The schedule is exhausted: dead-letter, fall back to another carrier, or mark failed.</summary>
    public sealed record GiveUp : RetryDecision
    {
        public static GiveUp Instance { get; } = new();
    }
}
