using System.Globalization;

namespace SmsFunctions.Core.Messages;

/// <summary>
/// Message ids: 24 lower-case hex characters (the shape of the seed API's ids, e.g. <c>633aabe3e4a9a0e69811ad7f</c>)
/// that sort newest first under ordinal comparison, so a table keyed by id lists the latest messages first.
/// The first <see cref="TimeDigits"/> (11) hex digits are the creation time as milliseconds since <see cref="Epoch"/>,
/// inverted (44 bits: until the year 2557); the last 13 are random (52 bits, 48 where storage fixes the last digit),
/// from the operating system's CSPRNG, so ids cannot be guessed from one another.
/// </summary>
public static class MessageId
{
    public const int Length = 24;

    /// <summary>Leading hex digits that hold the (inverted) creation time: a prefix of them names a time range.</summary>
    public const int TimeDigits = 11;

    private const int RandomDigits = Length - TimeDigits;

    /// <summary>Time zero of the ids: 2000-01-01T00:00:00Z (also <c>FakeTimeProvider</c>'s default start).</summary>
    public static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The largest number of milliseconds since <see cref="Epoch"/> an id can hold: 16^11 − 1 (about 557 years).</summary>
    public const long MaxMilliseconds = (1L << (TimeDigits * 4)) - 1;

    /// <summary>The newest instant an id can hold.</summary>
    public static readonly DateTimeOffset Latest = Epoch.AddMilliseconds(MaxMilliseconds);

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
        return BitConverter.ToInt64(bytes) & long.MaxValue; // Of keeps the low 52 bits
    }

    /// <summary>The id of a message created at <paramref name="createdAt"/> whose random part is taken from
    /// <paramref name="seed"/> (its low 52 bits): a request that is resumed (an Idempotency-Key retried after a crash)
    /// gets the same id again, so whatever its first attempt wrote or charged is found, not made twice.</summary>
    public static string Of(DateTimeOffset createdAt, long seed, int? lastDigit)
    {
        if (lastDigit is < 0 or > 15) { throw new ArgumentOutOfRangeException(nameof(lastDigit), lastDigit, "A hex digit is 0 to 15."); }
        if (createdAt < Epoch || createdAt > Latest)
        {
            throw new ArgumentOutOfRangeException(nameof(createdAt), createdAt, $"Message ids hold times from {Epoch:O} to {Latest:O}.");
        }

        var inverted = Inverted(createdAt);
        var suffix = seed & ((1L << (RandomDigits * 4)) - 1);
        if (lastDigit is { } digit) { suffix = (suffix & ~0xFL) | (uint)digit; }
        return string.Create(Length, (inverted, suffix), static (span, state) =>
        {
            state.inverted.TryFormat(span[..TimeDigits], out _, "x11", CultureInfo.InvariantCulture);
            state.suffix.TryFormat(span[TimeDigits..], out _, "x13", CultureInfo.InvariantCulture);
        });
    }

    /// <summary>The <see cref="TimeDigits"/> leading digits of every id minted at <paramref name="at"/> (clamped to the
    /// ids' range): ids of later messages sort below it, of earlier ones above (for range queries by creation time).</summary>
    public static string TimePrefix(DateTimeOffset at)
    {
        var clamped = at < Epoch ? Epoch : at > Latest ? Latest : at;
        return Inverted(clamped).ToString("x11", CultureInfo.InvariantCulture);
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
        if (!IsValid(id))
        {
            throw new FormatException($"'{id}' is not a message id minted by {nameof(MessageId)}.{nameof(New)}.");
        }

        var inverted = long.Parse(id.AsSpan(0, TimeDigits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        return Epoch.AddMilliseconds(MaxMilliseconds - inverted);
    }

    private static long Inverted(DateTimeOffset at) => MaxMilliseconds - (at - Epoch).Ticks / TimeSpan.TicksPerMillisecond;
}
