namespace SmsFunctions.Core.Lifecycle;

/// <summary>What happens when an event asks a recipient to move to a state.</summary>
public enum TransitionOutcome
{
    /// <summary>The move is allowed: store the new state.</summary>
    Applied,

    /// <summary>A late, repeated or out-of-order event (the recipient is already there, past it, or terminal): keep the current state, do not fail.</summary>
    Ignored,

    /// <summary>The move makes no sense from the current state (e.g. Draft to Delivered): a bug or a forged event.</summary>
    Invalid,
}
