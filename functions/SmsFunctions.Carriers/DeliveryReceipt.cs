using SmsFunctions.Core.Lifecycle;

namespace SmsFunctions.Carriers;

/// <summary>A DLR mapped onto our states, whatever carrier sent it.</summary>
public sealed record DeliveryReceipt(
    string MessageId,
    string Recipient,
    RecipientState State,
    DateTimeOffset At,
    string Carrier,
    string? CarrierReference = null,
    string? ErrorCode = null,
    string? Detail = null);
