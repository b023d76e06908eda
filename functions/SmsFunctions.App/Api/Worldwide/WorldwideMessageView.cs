using SmsFunctions.App.Api.Messages;

namespace SmsFunctions.App.Api.Worldwide;

/// <summary>
/// The message object of the "SMS Worldwide" document (seed 002), answered bare: the same <see cref="MessageView"/>
/// with the document's <c>state</c> — <c>NEW</c> until a recipient has been handed to a carrier — and
/// <c>blocklistedReason</c> a string ("" when not blocked).
/// </summary>
public static class WorldwideMessageView
{
    public const string New = "NEW";

    // Recipient states before a carrier has the SMS: waiting, or being submitted (not yet accepted).
    private static readonly HashSet<string> NotHandedOver = new(StringComparer.Ordinal) { "DRAFT", "SCHEDULED", "QUEUED", "DISPATCHING" };

    public static MessageView From(MessageView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view with { State = StateOf(view), BlocklistedReason = view.BlocklistedReason ?? string.Empty };
    }

    public static string StateOf(MessageView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var waiting = view.RecipientStates is { Count: > 0 } states
            ? states.Keys.All(NotHandedOver.Contains)
            : NotHandedOver.Contains(view.State);
        return waiting ? New : view.State;
    }
}
