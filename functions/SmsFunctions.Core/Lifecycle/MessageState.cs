namespace SmsFunctions.Core.Lifecycle;

/// <summary>The state of a message as a whole; API names are UPPER_SNAKE (<see cref="LifecycleApiNames"/>).</summary>
public enum MessageState
{
    Draft,
    Scheduled,
    Queued,
    Sending,
    Sent,
    Delivered,
    PartiallyDelivered,
    Undelivered,
    Failed,
    Expired,
    Rejected,
    Canceled,
    Blocked,
}
