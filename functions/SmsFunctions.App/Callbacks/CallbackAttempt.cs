namespace SmsFunctions.App.Callbacks;

/// <summary>One try at delivering a webhook: when, what came back and how long it took.</summary>
/// <param name="Deferrals">For a <see cref="CallbackAttemptOutcome.Deferred"/> attempt: the number of the copy that was
/// queued (<see cref="SmsFunctions.App.Pipeline.CallbackEvent.Deferrals"/>), so an older copy knows it is stale.</param>
public sealed record CallbackAttempt(
    string MessageId,
    string Recipient,
    string Event,
    int Attempt,
    DateTimeOffset At,
    int? StatusCode,
    double LatencyMs,
    CallbackAttemptOutcome Outcome,
    string? Error,
    int Deferrals = 0);

public enum CallbackAttemptOutcome
{
    /// <summary>2xx: done.</summary>
    Delivered,

    /// <summary>Failed; another attempt is scheduled.</summary>
    WillRetry,

    /// <summary>Failed for good: retries used up, 410 Gone, or a target we may not call.</summary>
    GaveUp,

    /// <summary>Not sent yet: the receiver's host had its share of requests open, so the attempt went back on the
    /// queue (written only once the copy is queued). On record so that a replay of the same state, and a redelivery
    /// of the queue message it came in, leave it to that copy instead of sending a second callback.</summary>
    Deferred,
}
