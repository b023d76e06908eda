namespace SmsFunctions.Carriers;

/// <summary>What a carrier answered to a submit.</summary>
public enum CarrierSubmitOutcome
{
    /// <summary>The carrier took it; a receipt may follow.</summary>
    Accepted,

    /// <summary>Try again later (rate limit, 429, queue full); <see cref="CarrierSubmitResult.RetryAfter"/> may say when.</summary>
    Throttled,

    /// <summary>A transient failure (timeout, 5xx, connection refused): retry with backoff, then fall back.</summary>
    TransientError,

    /// <summary>The carrier refused this SMS for good (bad number, barred content): do not retry anywhere.</summary>
    Rejected,

    /// <summary>The request reached the carrier but no answer came back (a timeout, a dropped connection): the
    /// carrier may have the SMS. Not retried anywhere, since a carrier without idempotency keys (Kannel) would send
    /// it twice; the recipient ends failed with an "outcome unknown" reason, and a late receipt still applies.</summary>
    Unknown,
}

public sealed record CarrierSubmitResult(
    CarrierSubmitOutcome Outcome,
    string? CarrierReference = null,
    string? Reason = null,
    TimeSpan? RetryAfter = null)
{
    public static CarrierSubmitResult Accepted(string? reference = null) => new(CarrierSubmitOutcome.Accepted, reference);
    public static CarrierSubmitResult Throttled(string reason, TimeSpan? retryAfter = null) => new(CarrierSubmitOutcome.Throttled, null, reason, retryAfter);
    public static CarrierSubmitResult Transient(string reason) => new(CarrierSubmitOutcome.TransientError, null, reason);
    public static CarrierSubmitResult Rejected(string reason) => new(CarrierSubmitOutcome.Rejected, null, reason);
    public static CarrierSubmitResult Unknown(string reason) => new(CarrierSubmitOutcome.Unknown, null, reason);
}
