using System.Globalization;

namespace SmsFunctions.Core.Messages;

/// <summary>
/// Message ids: 24 lower-case hex characters (the shape of the seed API's ids, e.g. <c>633aabe3e4a9a0e69811ad7f</c>)
/// that sort newest first under ordinal comparison, so a table keyed by id lists the latest messages first.
/// The first 13 hex digits are (<see cref="MaxUnixMilliseconds"/> − creation time in Unix ms); the last 11 are random.
/// </summary>
public static class MessageId
{
    public const int Length = 24;
    private const int TimeDigits = 13;
    private const int RandomDigits = Length - TimeDigits;

    /// <summary>Unix milliseconds of <see cref="DateTimeOffset.MaxValue"/>; fits in 12 hex digits, padded to 13.</summary>
    public static readonly long MaxUnixMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>A new id for a message created now. Without <paramref name="random"/> (tests pass one) the random part
    /// comes from the operating system's CSPRNG: ids are not secrets (every read also checks the account), but they
    /// must not be predictable from one another.</summary>
    public static string New(TimeProvider time, Random? random = null) => New(time, random, lastDigit: null);

    /// <summary>As <see cref="New(TimeProvider, Random?)"/>, with the last hex digit given (0–15) instead of random:
    /// storage uses it to say how widely the message's recipients are spread.</summary>
    public static string New(TimeProvider time, Random? random, int? lastDigit)
    {
        ArgumentNullException.ThrowIfNull(time);
        return Of(time.GetUtcNow(), random?.NextInt64(1L << (RandomDigits * 4)) ?? SecureRandom(), lastDigit);
    }

    private static long SecureRandom()
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToInt64(bytes) & long.MaxValue; // Of keeps the low 44 bits
    }

    /// <summary>The id of a message created at <paramref name="createdAt"/> whose random part is taken from
    /// <paramref name="seed"/>: a request that is resumed (an Idempotency-Key retried after a crash) gets the same id
    /// again, so whatever its first attempt wrote or charged is found, not made twice.</summary>
    public static string Of(DateTimeOffset createdAt, long seed, int? lastDigit)
    {
        if (lastDigit is < 0 or > 15) { throw new ArgumentOutOfRangeException(nameof(lastDigit), lastDigit, "A hex digit is 0 to 15."); }
        var inverted = MaxUnixMilliseconds - createdAt.ToUnixTimeMilliseconds();
        var suffix = seed & ((1L << (RandomDigits * 4)) - 1);
        if (lastDigit is { } digit) { suffix = (suffix & ~0xFL) | (uint)digit; }
        return string.Create(Length, (inverted, suffix), static (span, state) =>
        {
            state.inverted.TryFormat(span[..TimeDigits], out _, "x13", CultureInfo.InvariantCulture);
            state.suffix.TryFormat(span[TimeDigits..], out _, "x11", CultureInfo.InvariantCulture);
        });
    }

    /// <summary>True for any 24 lower-case hex characters, so ids minted elsewhere in the seed format are accepted too.</summary>
    public static bool IsValid(string? id)
    {
        if (id is null || id.Length != Length)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>When the message with this id (minted by <see cref="New"/>) was created, to the millisecond.</summary>
    public static DateTimeOffset CreatedAt(string id)
    {
        var inverted = IsValid(id)
            ? long.Parse(id.AsSpan(0, TimeDigits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)
            : long.MaxValue;
        if (inverted > MaxUnixMilliseconds)
        {
            throw new FormatException($"'{id}' is not a message id minted by {nameof(MessageId)}.{nameof(New)}.");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(MaxUnixMilliseconds - inverted);
    }
}
