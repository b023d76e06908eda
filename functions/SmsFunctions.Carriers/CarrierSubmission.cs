using SmsFunctions.Core.Encoding;

namespace SmsFunctions.Carriers;

/// <summary>One recipient's MT. <paramref name="MessageId"/> and <paramref name="Recipient"/> (E.164) are our own
/// correlation keys: carriers that cannot echo a reference back (Kannel) get them inside the receipt URL, with
/// <paramref name="Nonce"/>, which names this submission attempt (the dispatch claim's id): a receipt is applied only
/// while its nonce is the recipient's latest claim.</summary>
public sealed record CarrierSubmission(
    string MessageId,
    string Recipient,
    string Sender,
    string Body,
    SmsEncoding Encoding,
    int Parts,
    bool Flash,
    DateTimeOffset? ValidUntil,
    int Attempt,
    string? Nonce = null);
