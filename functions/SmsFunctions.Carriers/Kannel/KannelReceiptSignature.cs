using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SmsFunctions.Carriers.Kannel;

/// <summary>
/// The <c>sig</c> of a dlr-url: <c>{issued at, Unix s}.{HMAC-SHA256 over mid|to|nonce|issued at, truncated to 128
/// bits, 32 lower-case hex digits}</c>. It proves a receipt callback carries ids we put into the dlr-url of the
/// submission attempt named by the nonce (its dispatch claim), made at that time, and lets the receipt expire (see
/// <see cref="KannelReceiptParser"/>). Kannel fills <c>type</c>, <c>ts</c> and the rest in at delivery time, so they
/// cannot be signed; <c>ts</c> is checked against the issue time.
/// </summary>
public static class KannelReceiptSignature
{
    private const int Bytes = 16;

    public static string Compute(string secret, string messageId, string recipient, string nonce, DateTimeOffset issuedAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentNullException.ThrowIfNull(nonce);
        var seconds = issuedAt.ToUnixTimeSeconds();
        return seconds.ToString(CultureInfo.InvariantCulture) + "." + Convert.ToHexStringLower(Mac(secret, messageId, recipient, nonce, seconds));
    }

    /// <summary>Constant-time comparison; false for a missing or malformed signature (including the unversioned
    /// <c>mid|to</c> signatures of older dlr-urls, which never expired, and the <c>mid|to|issued at</c> ones, which named
    /// no submission attempt).</summary>
    public static bool Verify(string secret, string messageId, string recipient, string nonce, string? signature, out DateTimeOffset issuedAt)
    {
        issuedAt = default;
        var dot = signature?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (string.IsNullOrEmpty(secret) || signature is null || dot <= 0 || signature.Length - dot - 1 != Bytes * 2
            || !long.TryParse(signature.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds is <= 0 or >= 253_402_300_800)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[Bytes];
        if (Convert.FromHexString(signature.AsSpan(dot + 1), given, out _, out var written) != System.Buffers.OperationStatus.Done || written != Bytes)
        {
            return false;
        }

        issuedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return CryptographicOperations.FixedTimeEquals(Mac(secret, messageId, recipient, nonce ?? "", seconds), given);
    }

    // '|' cannot occur in any of the parts (ids and nonces are [A-Za-z0-9-_.~], numbers E.164), so the message is unambiguous.
    private static byte[] Mac(string secret, string messageId, string recipient, string nonce, long issuedAt) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes(messageId + "|" + recipient + "|" + nonce + "|" + issuedAt.ToString(CultureInfo.InvariantCulture)))[..Bytes];
}
