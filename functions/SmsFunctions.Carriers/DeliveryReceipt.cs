using SmsFunctions.Core.Lifecycle;

namespace SmsFunctions.Carriers;

/// <summary>A DLR mapped onto our states, whatever carrier sent it. <paramref name="RepeatedUntilAcknowledged"/>: the
/// carrier sends it again until we acknowledge it (Kannel's dlr-url retries do; the in-process sandbox's receipts die
/// with the process), so a receipt cut off mid-apply comes back. <paramref name="Nonce"/>: the submission attempt the
/// receipt is for, as the carrier echoed it (Kannel: from the signed dlr-url); null when the carrier's receipts do not
/// carry one.</summary>
public sealed record DeliveryReceipt(
    string MessageId,
    string Recipient,
    RecipientState State,
    DateTimeOffset At,
    string Carrier,
    string? CarrierReference = null,
    string? ErrorCode = null,
    string? Detail = null,
    bool RepeatedUntilAcknowledged = true,
    string? Nonce = null);
