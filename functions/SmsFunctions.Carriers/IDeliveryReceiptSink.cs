namespace SmsFunctions.Carriers;

/// <summary>Where carrier adapters hand receipts: the pipeline applies them to recipient state. The in-process
/// sandbox calls it directly; HTTP carriers call it from their receipt endpoints. Must be idempotent.</summary>
public interface IDeliveryReceiptSink
{
    Task AcceptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken = default);
}
