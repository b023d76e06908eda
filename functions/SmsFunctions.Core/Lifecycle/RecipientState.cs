namespace SmsFunctions.Core.Lifecycle;

/// <summary>The state of one recipient of a message; API names are UPPER_SNAKE (<see cref="LifecycleApiNames"/>).</summary>
public enum RecipientState
{
    /// <summary>Accepted inside an open transaction, not yet released.</summary>
    Draft,

    /// <summary>Waiting for its <c>scheduledAt</c>.</summary>
    Scheduled,

    /// <summary>On a dispatch queue.</summary>
    Queued,

    /// <summary>Claimed by a dispatcher, being submitted to a carrier.</summary>
    Dispatching,

    /// <summary>Accepted by the carrier.</summary>
    Sent,

    /// <summary>The carrier reports it is holding the message (handset off, out of coverage).</summary>
    Buffered,

    Delivered,
    Undelivered,
    Failed,
    Expired,
    Rejected,
    Canceled,
    Blocked,
}
