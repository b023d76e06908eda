namespace SmsFunctions.Carriers.Routing;

/// <summary>The result of routing one recipient's SMS through its fallback chain.</summary>
/// <param name="Result">The last carrier's answer: Accepted, Rejected, or the Throttled/TransientError that exhausted the chain.</param>
/// <param name="Carrier">The carrier that gave <paramref name="Result"/>.</param>
/// <param name="Attempts">Every attempt in order, with the reason for each retry and fallback.</param>
public sealed record RoutingOutcome(CarrierSubmitResult Result, string Carrier, IReadOnlyList<RoutingAttempt> Attempts)
{
    public int AttemptCount => Attempts.Count;

    public bool Accepted => Result.Outcome == CarrierSubmitOutcome.Accepted;
}
