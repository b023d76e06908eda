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

/// <summary>An attempt as the attempt lists show it (<c>GET /api/messages/{id}/callbacks</c> names the recipient,
/// <c>GET /api/inbound/{id}/callbacks</c> the sender, <c>from</c>).</summary>
public sealed record CallbackAttemptView(
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Recipient,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? From,
    string Event,
    int Attempt,
    DateTimeOffset At,
    int? StatusCode,
    double LatencyMs,
    string Outcome,
    string? Error)
{
    public static CallbackAttemptView OfMessage(CallbackAttempt a) => Of(a, inbound: false);

    public static CallbackAttemptView OfInbound(CallbackAttempt a) => Of(a, inbound: true);

    private static CallbackAttemptView Of(CallbackAttempt a, bool inbound)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new(inbound ? null : a.Recipient, inbound ? a.Recipient : null, a.Event, a.Attempt, a.At, a.StatusCode, a.LatencyMs, a.Outcome.ToString(), a.Error);
    }
}
