using System.Security.Cryptography;
using System.Text;

namespace SmsFunctions.App.Api.Messages;

/// <summary>
/// A send made under an <c>Idempotency-Key</c>: when its first attempt began, and whether this is a resumption of an
/// attempt that never answered. The message id (and so the charge's id, <c>charge:{messageId}</c>) derives from the
/// start time and the key alone, so every attempt of the request finds what the earlier ones wrote or charged.
/// </summary>
public sealed record SubmitAttempt(DateTimeOffset StartedAt, long Seed, bool Resumed)
{
    public static SubmitAttempt For(string accountId, string key, DateTimeOffset startedAt, bool resumed)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(accountId + "\n" + key));
        return new SubmitAttempt(startedAt, BitConverter.ToInt64(hash, 0) & long.MaxValue, resumed);
    }
}
