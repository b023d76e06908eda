namespace SmsFunctions.Core.Encoding;

/// <summary>The data coding an SMS is sent with.</summary>
public enum SmsEncoding
{
    /// <summary>3GPP TS 23.038 default alphabet (plus its extension table), 7 bits per character.</summary>
    Gsm7,

    /// <summary>UCS-2 (sent as UTF-16 code units, 16 bits each), used when any character is outside GSM-7.</summary>
    Ucs2,
}
