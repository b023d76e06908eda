using System.Security.Cryptography;
using System.Text;

namespace SmsFunctions.Carriers.Kannel;

/// <summary>HMAC-SHA256 over <c>mid|to</c>, truncated to 128 bits and written as 32 lower-case hex digits: it proves
/// a receipt callback carries ids that we put into the dlr-url.</summary>
public static class KannelReceiptSignature
{
    private const int Bytes = 16;

    public static string Compute(string secret, string messageId, string recipient)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return Convert.ToHexStringLower(Mac(secret, messageId, recipient));
    }

    /// <summary>Constant-time comparison; false for a missing or malformed signature.</summary>
    public static bool Verify(string secret, string messageId, string recipient, string? signature)
    {
        if (string.IsNullOrEmpty(secret) || signature is null || signature.Length != Bytes * 2)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[Bytes];
        if (Convert.FromHexString(signature, given, out _, out var written) != System.Buffers.OperationStatus.Done || written != Bytes)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Mac(secret, messageId, recipient), given);
    }

    private static byte[] Mac(string secret, string messageId, string recipient) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(messageId + "|" + recipient))[..Bytes];
}
