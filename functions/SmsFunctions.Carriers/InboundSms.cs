namespace SmsFunctions.Carriers;

/// <summary>A mobile-originated SMS as a carrier handed it over, decoded to text.</summary>
/// <param name="From">The handset, as the carrier gave it.</param>
/// <param name="To">Our number or short code, as the carrier gave it.</param>
/// <param name="Encoding"><c>GSM-7</c>, <c>UCS-2</c> or <c>8-BIT</c>.</param>
/// <param name="CarrierMessageId">The carrier's id of this MO, the same on its retries (Kannel's <c>%I</c>); null when it has none.</param>
/// <param name="SentAt">When the carrier says the handset sent it.</param>
/// <param name="Smsc">The SMSC it came through (Kannel's <c>%i</c>).</param>
public sealed record InboundSms(
    string From,
    string To,
    string Text,
    string Encoding,
    string Carrier,
    string? CarrierMessageId = null,
    DateTimeOffset? SentAt = null,
    string? Smsc = null);
