namespace SmsFunctions.Core.Lifecycle;

/// <summary>
/// Message-level moves made by the API and the scheduler (Draft → Queued | Scheduled | Canceled | Blocked;
/// Scheduled → Queued | Canceled; Queued → Canceled). Once recipients are in flight the message state is not
/// set directly but derived by <see cref="MessageStateRollup"/>; terminal states never change.
/// </summary>
public static class MessageStateMachine
{
    public static bool IsTerminal(this MessageState state) => state >= MessageState.Delivered;

    public static bool CanTransition(MessageState from, MessageState to) => from switch
    {
        MessageState.Draft => to is MessageState.Queued or MessageState.Scheduled or MessageState.Canceled or MessageState.Blocked,
        MessageState.Scheduled => to is MessageState.Queued or MessageState.Canceled,
        MessageState.Queued => to is MessageState.Canceled,
        _ => false,
    };

    public static bool TryApply(MessageState from, MessageState to, out MessageState result)
    {
        var applied = CanTransition(from, to);
        result = applied ? to : from;
        return applied;
    }
}
