namespace SmsFunctions.Core.Lifecycle;

/// <summary>
/// Which recipient state changes are allowed. Receipts may arrive twice, late or out of order, so progress is
/// ranked and a recipient never moves backwards: <c>Sent</c> after <c>Delivered</c> is ignored, <c>Buffered</c>
/// after <c>Sent</c> applies, and a terminal state never changes (so between <c>Delivered</c> and
/// <c>Undelivered</c> the first to arrive wins).
/// </summary>
/// <remarks>
/// Forward moves: Draft → Scheduled | Queued | Canceled | Blocked; Scheduled → Queued | Canceled | Expired | Blocked;
/// Queued → Dispatching | Canceled | Expired | Failed (and receipt states, see below); Dispatching → Sent | Buffered | Delivered | Undelivered |
/// Failed | Rejected | Expired, and back to Queued (a released claim, the one allowed step back);
/// Sent → Buffered | Delivered | Undelivered | Failed | Rejected | Expired; Buffered → Delivered | Undelivered |
/// Failed | Rejected | Expired. A receipt can beat our own "Sent" write, hence Dispatching → receipt states; and a
/// dispatcher can die after the carrier accepted, its claim released back to Queued, so a receipt is also accepted
/// in Queued — the carrier's word about the handset beats our bookkeeping.
/// </remarks>
public static class RecipientStateMachine
{
    public static bool IsTerminal(this RecipientState state) => state >= RecipientState.Delivered;

    /// <summary>True when <paramref name="state"/> has not yet been handed to a carrier, so it can still be canceled.</summary>
    public static bool IsCancelable(this RecipientState state) => state is RecipientState.Draft or RecipientState.Scheduled or RecipientState.Queued;

    public static bool CanTransition(RecipientState from, RecipientState to) => Classify(from, to) == TransitionOutcome.Applied;

    /// <summary>Applies the move when allowed; otherwise leaves <paramref name="result"/> at <paramref name="from"/> and returns false.</summary>
    public static bool TryApply(RecipientState from, RecipientState to, out RecipientState result)
    {
        var applied = Classify(from, to) == TransitionOutcome.Applied;
        result = applied ? to : from;
        return applied;
    }

    public static TransitionOutcome Classify(RecipientState from, RecipientState to)
    {
        if (from.IsTerminal() || from == to)
        {
            return TransitionOutcome.Ignored;
        }

        if (from == RecipientState.Dispatching && to == RecipientState.Queued)
        {
            return TransitionOutcome.Applied;
        }

        if (Rank(to) < Rank(from))
        {
            return TransitionOutcome.Ignored;
        }

        return Allowed(from, to) ? TransitionOutcome.Applied : TransitionOutcome.Invalid;
    }

    private static int Rank(RecipientState state) => state.IsTerminal() ? int.MaxValue : (int)state;

    private static bool Allowed(RecipientState from, RecipientState to) => from switch
    {
        RecipientState.Draft => to is RecipientState.Scheduled or RecipientState.Queued or RecipientState.Canceled or RecipientState.Blocked,
        RecipientState.Scheduled => to is RecipientState.Queued or RecipientState.Canceled or RecipientState.Expired or RecipientState.Blocked,
        RecipientState.Queued => to is RecipientState.Dispatching or RecipientState.Canceled or RecipientState.Expired or RecipientState.Failed
            or RecipientState.Sent or RecipientState.Buffered or RecipientState.Delivered or RecipientState.Undelivered or RecipientState.Rejected,
        RecipientState.Dispatching => to is RecipientState.Sent or RecipientState.Buffered or RecipientState.Delivered
            or RecipientState.Undelivered or RecipientState.Failed or RecipientState.Rejected or RecipientState.Expired,
        RecipientState.Sent => to is RecipientState.Buffered or RecipientState.Delivered or RecipientState.Undelivered
            or RecipientState.Failed or RecipientState.Rejected or RecipientState.Expired,
        RecipientState.Buffered => to is RecipientState.Delivered or RecipientState.Undelivered or RecipientState.Failed
            or RecipientState.Rejected or RecipientState.Expired,
        _ => false,
    };
}
