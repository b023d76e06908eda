namespace SmsFunctions.App.Callbacks;

/// <summary>One try at delivering a webhook: when, what came back and how long it took.</summary>
public sealed record CallbackAttempt(
    string MessageId,
    string Recipient,
    string Event,
    int Attempt,
    DateTimeOffset At,
    int? StatusCode,
    double LatencyMs,
    CallbackAttemptOutcome Outcome,
    string? Error);

public enum CallbackAttemptOutcome
{
    /// <summary>2xx: done.</summary>
    Delivered,

    /// <summary>Failed; another attempt is scheduled.</summary>
    WillRetry,

    /// <summary>Failed for good: retries used up, 410 Gone, or a target we may not call.</summary>
    GaveUp,

    /// <summary>Not sent yet: the receiver's host had its share of requests open, so the attempt went back on the
    /// queue. On record so that a replay of the same state waits for it instead of sending a second callback.</summary>
    Deferred,
}
