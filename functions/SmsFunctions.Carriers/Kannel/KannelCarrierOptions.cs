using System.ComponentModel.DataAnnotations;

namespace SmsFunctions.Carriers.Kannel;

/// <summary>Options of the Kannel carrier, bound from <c>Sms:Carriers:Kannel</c>. The carrier is registered only
/// when <see cref="SendSmsUrl"/> is set.</summary>
public sealed class KannelCarrierOptions : IValidatableObject
{
    public const string SectionName = "Sms:Carriers:Kannel";

    /// <summary>smsbox's sendsms endpoint, e.g. <c>http://127.0.0.1:13013/cgi-bin/sendsms</c>.</summary>
    public Uri? SendSmsUrl { get; set; }

    /// <summary>The <c>sendsms-user</c>'s username.</summary>
    public string? Username { get; set; }

    /// <summary>The <c>sendsms-user</c>'s password.</summary>
    public string? Password { get; set; }

    /// <summary>Where Kannel calls back with receipts (scheme, host, port); the receipt path
    /// <see cref="KannelReceiptEndpoint.Path"/> is appended. Null: the app's own address from
    /// <see cref="IReceiptBaseUrlProvider"/>.</summary>
    public Uri? ReceiptBaseUrl { get; set; }

    /// <summary>HMAC key that signs our ids in the receipt URL, so forged receipts are refused. At least 16 characters.</summary>
    public string? ReceiptSecret { get; set; }

    /// <summary>Kannel's <c>dlr-mask</c>: 31 asks for every receipt type (delivered, failed, buffered, accepted by
    /// the SMSC, rejected by the SMSC).</summary>
    [Range(0, 31)]
    public int DlrMask { get; set; } = 31;

    /// <summary>How long one sendsms call may take before it counts as a transient error.</summary>
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>The key Kannel's <c>sms-service</c> puts in the <c>key</c> query parameter of the inbound URL (at least
    /// 16 characters); without it the inbound endpoint refuses everything. It appears in Kannel's configuration and
    /// logs, so it only guards the MO endpoint.</summary>
    public string? InboundKey { get; set; }

    /// <summary>Networks Kannel calls the receipt and inbound endpoints from (CIDRs or addresses, e.g.
    /// <c>10.1.0.0/16</c>; an entry may list several, comma-separated). Empty (the default): any source. Checked
    /// before a request is read: anyone else gets 403 <c>KANNEL_SOURCE_FORBIDDEN</c>. The source is the connection's
    /// address or, when that is loopback (the Functions host, a local proxy), the last <c>X-Forwarded-For</c> entry.</summary>
    public string[] AllowedSources { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!KannelSourceNetworks.TryParse(AllowedSources, out _, out var invalid))
        {
            yield return new ValidationResult($"AllowedSources: '{invalid}' is neither a CIDR (10.0.0.0/8) nor an IP address.", [nameof(AllowedSources)]);
        }

        if (InboundKey is { Length: > 0 and < 16 })
        {
            yield return new ValidationResult("InboundKey must be at least 16 characters.", [nameof(InboundKey)]);
        }

        if (SendSmsUrl is null)
        {
            yield break; // Kannel not configured: nothing else is required.
        }

        if (!SendSmsUrl.IsAbsoluteUri || (SendSmsUrl.Scheme != Uri.UriSchemeHttp && SendSmsUrl.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult("SendSmsUrl must be an absolute http(s) URL.", [nameof(SendSmsUrl)]);
        }

        if (string.IsNullOrEmpty(Username) || string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult("Username and Password of the Kannel sendsms-user are required.", [nameof(Username), nameof(Password)]);
        }

        if (ReceiptSecret is null || ReceiptSecret.Length < 16)
        {
            yield return new ValidationResult("ReceiptSecret must be at least 16 characters.", [nameof(ReceiptSecret)]);
        }

        if (ReceiptBaseUrl is not null && !ReceiptBaseUrl.IsAbsoluteUri)
        {
            yield return new ValidationResult("ReceiptBaseUrl must be an absolute URL.", [nameof(ReceiptBaseUrl)]);
        }
    }
}
