namespace SmsFunctions.Carriers.Routing;

/// <summary>What the router did after an attempt.</summary>
public enum RoutingAction
{
    /// <summary>The attempt settled the submission (accepted, or rejected for good).</summary>
    Done,

    /// <summary>Waited and tried the same carrier again.</summary>
    Retry,

    /// <summary>Moved on to the next carrier of the chain.</summary>
    Fallback,

    /// <summary>No carrier left: the submission failed for now (the dispatcher decides what next).</summary>
    GiveUp,
}

/// <summary>One submit to one carrier: part of a recipient's routing record.</summary>
/// <param name="Carrier">The carrier's name.</param>
/// <param name="Attempt">1 for the first try on this carrier, 2 for its first retry, ….</param>
/// <param name="Outcome">What the carrier answered.</param>
/// <param name="Reason">The carrier's reason, and for a retry or fallback why the router moved on.</param>
/// <param name="At">When the attempt started.</param>
/// <param name="Latency">How long the carrier took to answer.</param>
/// <param name="Action">What the router did next.</param>
public sealed record RoutingAttempt(
    string Carrier,
    int Attempt,
    CarrierSubmitOutcome Outcome,
    string? Reason,
    DateTimeOffset At,
    TimeSpan Latency,
    RoutingAction Action);
