using System.Globalization;
using System.Text.RegularExpressions;
using SmsFunctions.Core.Lifecycle;

namespace SmsFunctions.Carriers.Kannel;

/// <summary>
/// Turns the values of a Kannel receipt callback (<c>mid, to, nonce, sig, type, ts, smscid, reply</c>, see
/// <see cref="KannelSendSmsRequest.ReceiptUrl"/>) into a <see cref="DeliveryReceipt"/>. Pure apart from the clock,
/// which only dates receipts whose <c>ts</c> is missing. Duplicates parse to equal receipts: idempotency is the
/// sink's job. A signature is good for <see cref="DefaultLifetime"/> after its submission (longer than any validity
/// period plus the SMSC's retries), and a receipt dated before its submission or in the future is refused: a dlr-url
/// that leaks cannot be replayed for ever, nor dated at will. The receipt carries the signed nonce of its submission
/// attempt (an absent one reads as empty), which the pipeline compares with the recipient's latest claim.
/// </summary>
/// <remarks>Types: 1 Delivered, 2 Undelivered (Expired when the SMPP receipt text says <c>stat:EXPIRED</c>),
/// 4 Buffered, 8 Sent (accepted by the SMSC), 16 Rejected (by the SMSC); anything else is ignored.</remarks>
public sealed partial class KannelReceiptParser
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(7);

    /// <summary>Clock difference tolerated between us, Kannel and the SMSC.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly string _secret;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;

    public KannelReceiptParser(string? secret, TimeProvider? time = null, TimeSpan? lifetime = null)
    {
        _secret = secret ?? "";
        _time = time ?? TimeProvider.System;
        _lifetime = lifetime ?? DefaultLifetime;
    }

    public KannelReceiptParseResult Parse(
        string? mid, string? to, string? sig, string? type, string? ts = null, string? smscid = null, string? reply = null, string? nonce = null)
    {
        var missing = new List<string>(4);
        if (string.IsNullOrEmpty(mid)) { missing.Add("mid"); }
        if (string.IsNullOrEmpty(to)) { missing.Add("to"); }
        if (string.IsNullOrEmpty(sig)) { missing.Add("sig"); }
        if (string.IsNullOrEmpty(type)) { missing.Add("type"); }
        if (missing.Count > 0)
        {
            return new(KannelReceiptVerdict.Malformed, Problem: "Missing " + string.Join(", ", missing) + ".");
        }

        nonce ??= "";
        if (!KannelReceiptSignature.Verify(_secret, mid!, to!, nonce, sig, out var issuedAt))
        {
            return new(KannelReceiptVerdict.BadSignature, Problem: "The receipt signature does not match.");
        }

        var now = _time.GetUtcNow();
        if (now > issuedAt + _lifetime || issuedAt > now + ClockSkew)
        {
            return new(KannelReceiptVerdict.BadSignature, Problem: "The receipt signature has expired.");
        }

        if (!int.TryParse(type, NumberStyles.None, CultureInfo.InvariantCulture, out var kannelType))
        {
            return new(KannelReceiptVerdict.Malformed, Problem: $"Receipt type '{type}' is not a number.");
        }

        var text = string.IsNullOrEmpty(reply) ? null : reply;
        RecipientState? state = kannelType switch
        {
            1 => RecipientState.Delivered,
            2 when text is not null && text.Contains("stat:EXPIRED", StringComparison.OrdinalIgnoreCase) => RecipientState.Expired,
            2 => RecipientState.Undelivered,
            4 => RecipientState.Buffered,
            8 => RecipientState.Sent,
            16 => RecipientState.Rejected,
            _ => null,
        };
        if (state is null)
        {
            return new(KannelReceiptVerdict.Ignored, Problem: $"Receipt type {kannelType} is not mapped.");
        }

        var at = long.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out var unixSeconds)
            && unixSeconds is > 0 and < 253_402_300_800
                ? DateTimeOffset.FromUnixTimeSeconds(unixSeconds)
                : now;
        if (at < issuedAt - ClockSkew || at > now + ClockSkew)
        {
            return new(KannelReceiptVerdict.BadSignature, Problem: "The receipt is dated outside the time since its submission.");
        }
        var errorCode = state is RecipientState.Undelivered or RecipientState.Expired or RecipientState.Rejected && text is not null
            ? SmppError().Match(text) is { Success: true } match ? match.Groups[1].Value : null
            : null;

        return new(KannelReceiptVerdict.Receipt, new DeliveryReceipt(
            mid!, to!, state.Value, at, KannelCarrier.CarrierName,
            CarrierReference: string.IsNullOrEmpty(smscid) ? null : smscid,
            ErrorCode: errorCode,
            Detail: text,
            Nonce: nonce));
    }

    /// <summary>The <c>err:</c> field of an SMPP receipt text (<c>id:… stat:UNDELIV err:001 text:…</c>).</summary>
    [GeneratedRegex(@"\berr:([0-9A-Za-z]+)", RegexOptions.CultureInvariant)]
    private static partial Regex SmppError();
}
