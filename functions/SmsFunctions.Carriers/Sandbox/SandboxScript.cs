using SmsFunctions.Core.Lifecycle;

namespace SmsFunctions.Carriers.Sandbox;

/// <summary>One scripted receipt: its state and when it is emitted, in quarters of the receipt delay.</summary>
public sealed record SandboxReceiptStep(int Quarters, RecipientState State, string? ErrorCode = null);

/// <summary>What the sandbox does for a recipient number (see <see cref="SandboxNumbers"/>). A pure decision.</summary>
public sealed record SandboxScript(CarrierSubmitOutcome Outcome, IReadOnlyList<SandboxReceiptStep> Receipts)
{
    private static readonly SandboxScript Deliver = Accept(new(1, RecipientState.Sent), new(4, RecipientState.Delivered));

    public static SandboxScript For(string recipient) => Normalize(recipient) switch
    {
        SandboxNumbers.Undelivered => Accept(
            new(1, RecipientState.Sent), new(4, RecipientState.Undelivered, SandboxNumbers.UndeliveredErrorCode)),
        SandboxNumbers.Expired => Accept(
            new(1, RecipientState.Sent), new(2, RecipientState.Buffered), new(4, RecipientState.Expired, SandboxNumbers.ExpiredErrorCode)),
        SandboxNumbers.RejectedAtSubmit => new(CarrierSubmitOutcome.Rejected, []),
        SandboxNumbers.DeliveredLate => Accept(new(1, RecipientState.Sent), new(100, RecipientState.Delivered)),
        SandboxNumbers.DuplicateReceipts => Accept(
            new(1, RecipientState.Sent), new(4, RecipientState.Delivered), new(5, RecipientState.Delivered)),
        SandboxNumbers.OutOfOrderReceipts => Accept(
            new(1, RecipientState.Delivered), new(2, RecipientState.Sent), new(3, RecipientState.Buffered)),
        SandboxNumbers.Throttled => new(CarrierSubmitOutcome.Throttled, []),
        SandboxNumbers.TransientError => new(CarrierSubmitOutcome.TransientError, []),
        SandboxNumbers.RejectedBySmsc => Accept(
            new(1, RecipientState.Sent), new(4, RecipientState.Rejected, SandboxNumbers.RejectedErrorCode)),
        _ => Deliver,
    };

    private static SandboxScript Accept(params SandboxReceiptStep[] steps) => new(CarrierSubmitOutcome.Accepted, steps);

    // Accept the magic numbers with or without the leading '+', as users paste them both ways.
    private static string Normalize(string recipient) =>
        recipient.StartsWith('+') ? recipient : "+" + recipient;
}
