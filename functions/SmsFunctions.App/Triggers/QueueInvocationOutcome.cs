namespace SmsFunctions.App.Triggers;

internal enum QueueInvocationStatus
{
    /// <summary>Handled; remove the message.</summary>
    Completed,

    /// <summary>The handler asked to see the message again after <see cref="QueueInvocationOutcome.RetryDelay"/>.</summary>
    RetryRequested,

    /// <summary>The handler threw; retry with backoff.</summary>
    Failed,

    /// <summary>Failed too often and <c>HandlePoisonAsync</c> recorded it; remove the message.</summary>
    Poisoned,

    /// <summary><c>HandlePoisonAsync</c> threw: keep the message so it comes back, never lose it.</summary>
    PoisonFailed,

    /// <summary>Stopped by shutdown; return the message at once.</summary>
    Cancelled,
}

/// <summary>What became of one invocation, for the local runtime and the host endpoint to turn into transport actions.</summary>
internal sealed record QueueInvocationOutcome(QueueInvocationStatus Status, TimeSpan? RetryDelay = null, string? Reason = null)
{
    public static QueueInvocationOutcome Completed { get; } = new(QueueInvocationStatus.Completed);

    public static QueueInvocationOutcome Cancelled { get; } = new(QueueInvocationStatus.Cancelled);

    public string OutcomeTag => Status switch
    {
        QueueInvocationStatus.Completed => "completed",
        QueueInvocationStatus.RetryRequested => "retry",
        QueueInvocationStatus.Failed => "failed",
        QueueInvocationStatus.Poisoned => "poisoned",
        QueueInvocationStatus.PoisonFailed => "poison_failed",
        _ => "cancelled",
    };
}
