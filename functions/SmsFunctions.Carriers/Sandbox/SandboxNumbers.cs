namespace SmsFunctions.Carriers.Sandbox;

/// <summary>
/// Magic test numbers that script what the <see cref="SandboxCarrier"/> does. They are valid Italian mobile numbers
/// (+39 333 000 00xx) so they pass recipient validation like real ones; any other number is delivered.
/// Receipt times are multiples of <c>Sms:Carriers:Sandbox:ReceiptDelayMilliseconds</c> (default 200 ms).
/// </summary>
/// <remarks>
/// <code>
/// | number        | submit result  | receipts (time after submit, default delay)                          |
/// |---------------|----------------|-----------------------------------------------------------------------|
/// | any other     | Accepted       | Sent (50 ms), Delivered (200 ms)                                      |
/// | +393330000001 | Accepted       | Sent (50 ms), Undelivered with error code SBX-001 (200 ms)            |
/// | +393330000002 | Accepted       | Sent (50 ms), Buffered (100 ms), Expired with error code SBX-002 (200 ms) |
/// | +393330000003 | Rejected       | none                                                                  |
/// | +393330000004 | Accepted       | Sent (50 ms), Delivered (5 s = 25 × delay)                            |
/// | +393330000005 | Accepted       | Sent (50 ms), Delivered (200 ms), Delivered again (250 ms)            |
/// | +393330000006 | Accepted       | Delivered (50 ms), Sent (100 ms), Buffered (150 ms)                   |
/// | +393330000007 | Throttled      | none (the router falls back to the next carrier)                      |
/// | +393330000008 | TransientError | none, every time                                                      |
/// | +393330000009 | Accepted       | Sent (50 ms), Rejected by the SMSC with error code SBX-009 (200 ms)   |
/// </code>
/// </remarks>
public static class SandboxNumbers
{
    /// <summary>Accepted, then <c>Sent</c> and <c>Undelivered</c> with error code <see cref="UndeliveredErrorCode"/>
    /// (the handset was unreachable: the carrier's "failed" receipt).</summary>
    public const string Undelivered = "+393330000001";

    /// <summary>Accepted, then <c>Sent</c>, <c>Buffered</c> and <c>Expired</c> (validity ran out in the SMSC).</summary>
    public const string Expired = "+393330000002";

    /// <summary>Refused at submit: <see cref="CarrierSubmitOutcome.Rejected"/>, no receipts.</summary>
    public const string RejectedAtSubmit = "+393330000003";

    /// <summary>Accepted, <c>Sent</c>, and <c>Delivered</c> only after 25 × the receipt delay (5 s by default).</summary>
    public const string DeliveredLate = "+393330000004";

    /// <summary>Accepted, <c>Sent</c>, then the same <c>Delivered</c> receipt twice: receipt handling must be idempotent.</summary>
    public const string DuplicateReceipts = "+393330000005";

    /// <summary>Accepted, then <c>Delivered</c> before <c>Sent</c> and <c>Buffered</c>: a later, lesser state must
    /// not regress the recipient.</summary>
    public const string OutOfOrderReceipts = "+393330000006";

    /// <summary>Answers <see cref="CarrierSubmitOutcome.Throttled"/> every time, so routing falls back.</summary>
    public const string Throttled = "+393330000007";

    /// <summary>Answers <see cref="CarrierSubmitOutcome.TransientError"/> every time.</summary>
    public const string TransientError = "+393330000008";

    /// <summary>Accepted, <c>Sent</c>, then rejected by the SMSC (receipt state <c>Rejected</c>, error code
    /// <see cref="RejectedErrorCode"/>).</summary>
    public const string RejectedBySmsc = "+393330000009";

    /// <summary>Error code on the <see cref="Undelivered"/> receipt.</summary>
    public const string UndeliveredErrorCode = "SBX-001";

    /// <summary>Error code on the <see cref="Expired"/> receipt.</summary>
    public const string ExpiredErrorCode = "SBX-002";

    /// <summary>Error code on the <see cref="RejectedBySmsc"/> receipt.</summary>
    public const string RejectedErrorCode = "SBX-009";

    /// <summary>Every magic number, for documentation and tests.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Undelivered, Expired, RejectedAtSubmit, DeliveredLate, DuplicateReceipts, OutOfOrderReceipts, Throttled,
        TransientError, RejectedBySmsc,
    ];
}
