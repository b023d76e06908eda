namespace SmsFunctions.Core.Inbound;

/// <summary>What an inbound message asks for when its whole text is a keyword.</summary>
public enum InboundKeyword
{
    None,

    /// <summary>Opt out: the sender is added to the account's opt-out list.</summary>
    Stop,

    /// <summary>Opt back in: the sender leaves the opt-out list.</summary>
    Start,

    /// <summary>Asks for the account's help text.</summary>
    Help,
}
