namespace SmsFunctions.Core.Lifecycle;

/// <summary>Derives a message's state from its recipients' counts.</summary>
/// <remarks>
/// In order:
/// <list type="number">
/// <item>no recipients → Draft;</item>
/// <item>any Blocked → Blocked (content policy blocks a message as a whole);</item>
/// <item>some still in flight: Sending when some recipients have reached a carrier (or a terminal state other than
/// Canceled) while others still wait or are being dispatched, or when any is Dispatching; otherwise the least
/// advanced waiting state — Queued, Scheduled, Draft; otherwise (all remaining are Sent/Buffered) Sent;</item>
/// <item>all terminal: all Delivered → Delivered; some Delivered → PartiallyDelivered; all Canceled → Canceled;
/// none delivered → the most common failure among Undelivered, Expired, Failed, Rejected, ties going to that
/// order (the one closest to the handset first, as the most informative for the sender).</item>
/// </list>
/// </remarks>
public static class MessageStateRollup
{
    public static MessageState From(RecipientStateCounts counts)
    {
        if (counts.Total == 0)
        {
            return MessageState.Draft;
        }

        if (counts.Blocked > 0)
        {
            return MessageState.Blocked;
        }

        if (counts.InFlight > 0)
        {
            return InFlight(counts);
        }

        if (counts.Delivered == counts.Total)
        {
            return MessageState.Delivered;
        }

        if (counts.Delivered > 0)
        {
            return MessageState.PartiallyDelivered;
        }

        if (counts.Canceled == counts.Total)
        {
            return MessageState.Canceled;
        }

        var state = MessageState.Undelivered;
        var best = counts.Undelivered;
        Consider(MessageState.Expired, counts.Expired);
        Consider(MessageState.Failed, counts.Failed);
        Consider(MessageState.Rejected, counts.Rejected);
        return state;

        void Consider(MessageState candidate, int count)
        {
            if (count > best)
            {
                best = count;
                state = candidate;
            }
        }
    }

    private static MessageState InFlight(RecipientStateCounts counts)
    {
        var waiting = counts.Draft + counts.Scheduled + counts.Queued;
        var progressed = counts.Sent + counts.Buffered + (counts.Terminal - counts.Canceled);
        if (counts.Dispatching > 0 || (waiting > 0 && progressed > 0))
        {
            return MessageState.Sending;
        }

        if (counts.Queued > 0)
        {
            return MessageState.Queued;
        }

        if (counts.Scheduled > 0)
        {
            return MessageState.Scheduled;
        }

        return counts.Draft > 0 ? MessageState.Draft : MessageState.Sent;
    }
}
