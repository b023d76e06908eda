namespace SmsFunctions.Storage.Messages;

/// <summary>Where the dispatch pipeline is with a message (independent of the customer-facing state).</summary>
public static class DispatchStates
{
    /// <summary>Accepted and due (or scheduled); not yet handed to a dispatch queue. The Schedule row is its outbox entry.</summary>
    public const string Pending = "Pending";

    /// <summary>Handed to a dispatch queue.</summary>
    public const string Enqueued = "Enqueued";

    /// <summary>Every recipient has been handed to a carrier or has ended.</summary>
    public const string Dispatched = "Dispatched";

    /// <summary>Nothing to dispatch: a draft, a blocked message or a cancelled one.</summary>
    public const string None = "None";

    /// <summary>A cancellation wrote the message's final state and has not finished yet (callbacks queued, outbox row
    /// removed): a repeated <c>DELETE</c> finishes it instead of answering that there is nothing left to cancel.</summary>
    public const string Canceling = "Canceling";
}
