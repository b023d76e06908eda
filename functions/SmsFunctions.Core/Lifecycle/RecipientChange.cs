namespace SmsFunctions.Core.Lifecycle;

/// <summary>
/// Something that happens to a recipient after acceptance, as a value: <see cref="RecipientDecisions.Decide"/> says
/// what it does to a row. Every change carries the time it is decided at, so deciding it again (after a write
/// conflict, a lost answer, a redelivery) gives the same row.
/// </summary>
public abstract record RecipientChange(DateTimeOffset At);

/// <summary>A dispatcher takes a QUEUED (or due SCHEDULED) recipient to submit it; <paramref name="ClaimId"/> lets
/// it recognise its own claim later, even if the answer to the claim write was lost.</summary>
public sealed record ClaimForDispatch(string ClaimId, DateTimeOffset At) : RecipientChange(At);

/// <summary>A claim given back before anything was submitted: the recipient is QUEUED again.</summary>
public sealed record ReleaseClaim(string ClaimId, DateTimeOffset At) : RecipientChange(At);

/// <summary>How a submit ended, as far as money and re-sending go.</summary>
public enum SubmitVerdict
{
    /// <summary>A carrier took it.</summary>
    Accepted,

    /// <summary>A carrier refused it for good (bad number, barred content): it never entered the network.</summary>
    Rejected,

    /// <summary>No carrier of the route took it (each answered an error, throttled or refused the connection).</summary>
    NotAccepted,

    /// <summary>It failed before any submit (a template field missing).</summary>
    NotSubmitted,

    /// <summary>The request went out and no answer came back: the carrier may have it.</summary>
    Unknown,
}

/// <summary>What a carrier (or the lack of one) answered to the submit made under <paramref name="ClaimId"/>.</summary>
public sealed record RecordSubmit(
    string? ClaimId,
    SubmitVerdict Verdict,
    DateTimeOffset At,
    string? Carrier = null,
    string? CarrierReference = null,
    string? RoutingJson = null,
    string? Detail = null,
    string? ErrorCode = null) : RecipientChange(At);

/// <summary>A delivery receipt (DLR) from a carrier. <paramref name="Nonce"/>: the submission attempt the receipt says
/// it is for (the <see cref="RecipientRow.ClaimId"/> the carrier was given, signed into Kannel's dlr-url); it applies
/// only while that claim is still the recipient's latest. Null for carriers whose receipts do not say (not checked).</summary>
public sealed record ApplyReceipt(
    RecipientState State,
    DateTimeOffset ReportedAt,
    DateTimeOffset At,
    string? Carrier = null,
    string? CarrierReference = null,
    string? ErrorCode = null,
    string? Detail = null,
    string? Nonce = null) : RecipientChange(At);

/// <summary>The validity period is over: what has no final state becomes EXPIRED.</summary>
public sealed record Expire(string Detail, DateTimeOffset At) : RecipientChange(At);

/// <summary>A claim seen as <paramref name="ClaimId"/> was left by a dispatcher that is gone: its outcome at the
/// carrier is unknown. Applies only while that same claim still holds the recipient.</summary>
public sealed record FailAbandonedClaim(string? ClaimId, DateTimeOffset At) : RecipientChange(At);

/// <summary>The dispatch message kept failing: what it left unresolved ends FAILED.</summary>
public sealed record FailPoisoned(string Detail, DateTimeOffset At) : RecipientChange(At);

/// <summary>The customer cancels: only what has not been handed to a carrier.</summary>
public sealed record Cancel(DateTimeOffset At) : RecipientChange(At);

/// <summary>A transaction closes: DRAFT recipients become <paramref name="To"/> (QUEUED or SCHEDULED).</summary>
public sealed record Release(RecipientState To, DateTimeOffset At) : RecipientChange(At);

/// <summary>The refund owed for the recipient has its durable ledger line.</summary>
public sealed record RecordRefund(DateTimeOffset At) : RecipientChange(At);
