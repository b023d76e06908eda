using System.Globalization;
using System.Text;
using SmsFunctions.Core.Encoding;

namespace SmsFunctions.Carriers.Kannel;

/// <summary>Builds smsbox's <c>GET /cgi-bin/sendsms</c> URL for one submission. Pure.</summary>
public static class KannelSendSmsRequest
{
    /// <summary>Kannel's receipt placeholders: type, time (Unix s), SMSC message id, receipt text.</summary>
    private const string Placeholders = "&type=%d&ts=%T&smscid=%F&reply=%A";

    public static Uri Build(KannelCarrierOptions options, Uri receiptBaseUrl, CarrierSubmission submission, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(receiptBaseUrl);
        ArgumentNullException.ThrowIfNull(submission);
        var sendSmsUrl = options.SendSmsUrl ?? throw new InvalidOperationException("Sms:Carriers:Kannel:SendSmsUrl is not set.");

        var query = new StringBuilder();
        Append(query, "username", options.Username ?? "");
        Append(query, "password", options.Password ?? "");
        Append(query, "from", submission.Sender);
        Append(query, "to", submission.Recipient);
        Append(query, "text", submission.Body);
        // Always UTF-8 on the wire; coding=2 makes Kannel send UCS-2, otherwise non-GSM characters become '?'.
        Append(query, "charset", "UTF-8");
        if (submission.Encoding == SmsEncoding.Ucs2)
        {
            Append(query, "coding", "2");
        }

        if (submission.Flash)
        {
            Append(query, "mclass", "0");
        }

        if (submission.ValidUntil is { } validUntil)
        {
            Append(query, "validity", ValidityMinutes(validUntil, now).ToString(CultureInfo.InvariantCulture));
        }

        Append(query, "dlr-mask", options.DlrMask.ToString(CultureInfo.InvariantCulture));
        // Escaped once as a whole: Kannel decodes it, substitutes the %-placeholders and calls the result.
        Append(query, "dlr-url", ReceiptUrl(receiptBaseUrl, options.ReceiptSecret ?? "", submission.MessageId, submission.Recipient, submission.Nonce ?? "", now));

        return new UriBuilder(sendSmsUrl) { Query = query.ToString() }.Uri;
    }

    /// <summary>The dlr-url as Kannel must see it after decoding: our ids escaped, Kannel's placeholders literal, signed
    /// for the submission attempt <paramref name="nonce"/> made at <paramref name="issuedAt"/> (an empty nonce is
    /// signed as such, and its receipts match no recipient's claim).</summary>
    public static string ReceiptUrl(Uri receiptBaseUrl, string secret, string messageId, string recipient, string nonce, DateTimeOffset issuedAt)
    {
        ArgumentNullException.ThrowIfNull(receiptBaseUrl);
        ArgumentNullException.ThrowIfNull(nonce);
        EnsureCarriable(messageId, nameof(messageId));
        if (nonce.Length > 0) { EnsureCarriable(nonce, nameof(nonce)); }
        var signature = KannelReceiptSignature.Compute(secret, messageId, recipient, nonce, issuedAt);
        return receiptBaseUrl.AbsoluteUri.TrimEnd('/') + KannelReceiptEndpoint.Path
            + "?mid=" + Uri.EscapeDataString(messageId)
            + "&to=" + Uri.EscapeDataString(recipient)
            + "&nonce=" + nonce
            + "&sig=" + signature
            + Placeholders;
    }

    /// <summary>Whole minutes left, rounded up, at least 1: Kannel's <c>validity</c> is in minutes.</summary>
    public static int ValidityMinutes(DateTimeOffset validUntil, DateTimeOffset now) =>
        Math.Max(1, (int)Math.Ceiling((validUntil - now).TotalMinutes));

    private static void Append(StringBuilder query, string name, string value)
    {
        if (query.Length > 0) { query.Append('&'); }
        query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
    }

    // Kannel substitutes %X escapes in the dlr-url, so an id escaped to e.g. %A9 would be mangled. Ours (message ids,
    // claim ids) are hex and GUID-like; anything else is a programming error, not a property of the SMS.
    private static void EnsureCarriable(string id, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(id, name);
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~'))
            {
                throw new ArgumentException(
                    $"'{id}' has characters that Kannel would mangle in a dlr-url; use [A-Za-z0-9-_.~].", name);
            }
        }
    }
}
