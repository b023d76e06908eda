using SmsFunctions.Core.Encoding;

namespace SmsFunctions.Carriers;

/// <summary>One recipient's MT. <paramref name="MessageId"/> and <paramref name="Recipient"/> (E.164) are our own
/// correlation keys: carriers that cannot echo a reference back (Kannel) get them inside the receipt URL.</summary>
public sealed record CarrierSubmission(
    string MessageId,
    string Recipient,
    string Sender,
    string Body,
    SmsEncoding Encoding,
    int Parts,
    bool Flash,
    DateTimeOffset? ValidUntil,
    int Attempt);
