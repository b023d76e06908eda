namespace SmsFunctions.Core.Encoding;

public static class SmsEncodingExtensions
{
    /// <summary>The name the public API reports: <c>GSM-7</c> or <c>UCS-2</c>.</summary>
    public static string ToApiName(this SmsEncoding encoding) => encoding switch
    {
        SmsEncoding.Gsm7 => "GSM-7",
        SmsEncoding.Ucs2 => "UCS-2",
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown SMS encoding."),
    };

    public static bool TryParseApiName(string? name, out SmsEncoding encoding)
    {
        switch (name)
        {
            case "GSM-7":
                encoding = SmsEncoding.Gsm7;
                return true;
            case "UCS-2":
                encoding = SmsEncoding.Ucs2;
                return true;
            default:
                encoding = default;
                return false;
        }
    }
}
