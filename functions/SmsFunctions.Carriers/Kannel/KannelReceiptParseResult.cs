namespace SmsFunctions.Carriers.Kannel;

/// <summary>What a receipt callback amounts to, and so what the endpoint answers.</summary>
public enum KannelReceiptVerdict
{
    /// <summary>A receipt for the sink (answer 202).</summary>
    Receipt,

    /// <summary>Genuine, but of a type we do not map: acknowledged (202) so Kannel stops retrying.</summary>
    Ignored,

    /// <summary>Missing or malformed parameters (answer 400).</summary>
    Malformed,

    /// <summary>Signature missing or wrong (answer 403).</summary>
    BadSignature,
}

public sealed record KannelReceiptParseResult(KannelReceiptVerdict Verdict, DeliveryReceipt? Receipt = null, string? Problem = null);
