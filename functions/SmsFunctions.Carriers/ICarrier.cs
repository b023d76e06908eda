namespace SmsFunctions.Carriers;

/// <summary>A carrier adapter: hands one recipient's SMS (all its parts) to a carrier and reports what the carrier
/// said. Receipts come back later through the carrier's own receipt endpoint and are mapped by the adapter.</summary>
public interface ICarrier
{
    /// <summary>Routing name, e.g. <c>Sandbox</c>, <c>Kannel</c>.</summary>
    string Name { get; }

    Task<CarrierSubmitResult> SubmitAsync(CarrierSubmission submission, CancellationToken cancellationToken = default);
}
