namespace SmsFunctions.Core.Encoding;

/// <summary>How a body is encoded and split into SMS parts.</summary>
/// <param name="Encoding">GSM-7 when every character is in the default alphabet or its extension table, else UCS-2.</param>
/// <param name="CharactersCount">
/// What the API reports as <c>charactersCount</c>: for GSM-7 the number of septets (an extension character such as
/// <c>€</c> counts 2, because it costs two), for UCS-2 the number of UTF-16 code units (an emoji outside the BMP counts 2).
/// This is the measure the per-part limits apply to, so a client can compare it with 160/153 or 70/67 directly.
/// </param>
/// <param name="MessageCount">SMS parts needed (the API's <c>messageCount</c>); 1 for an empty body.</param>
/// <param name="Units">
/// The encoded size in the encoding's units (septets or UTF-16 code units). Equal to <paramref name="CharactersCount"/>
/// today; kept separate so the reported figure can change without changing part arithmetic.
/// </param>
public readonly record struct SegmentInfo(SmsEncoding Encoding, int CharactersCount, int MessageCount, int Units)
{
    /// <summary>Units one part can carry for this encoding when the body is sent as a single SMS.</summary>
    public int SinglePartCapacity => Encoding == SmsEncoding.Gsm7 ? SegmentCounter.Gsm7SinglePart : SegmentCounter.Ucs2SinglePart;

    /// <summary>Units one part can carry when the body is concatenated (the UDH takes the rest).</summary>
    public int MultiPartCapacity => Encoding == SmsEncoding.Gsm7 ? SegmentCounter.Gsm7MultiPart : SegmentCounter.Ucs2MultiPart;

    public bool IsMultipart => MessageCount > 1;
}
