using Microsoft.Extensions.Time.Testing;
using SmsFunctions.Core.Messages;

namespace SmsFunctions.Core.Tests.Messages;

public class MessageIdTests
{
    [Fact]
    public void IdHasTheSeedShape()
    {
        var id = MessageId.New(new FakeTimeProvider(), new Random(1));

        Assert.Equal(24, id.Length);
        Assert.Matches("^[0-9a-f]{24}$", id);
        Assert.True(MessageId.IsValid(id));
    }

    [Theory]
    [InlineData(0, '0')]
    [InlineData(4, '4')]
    [InlineData(15, 'f')]
    public void TheLastDigitCanBeChosenAndTheRestKeepsItsShape(int digit, char expected)
    {
        var time = new FakeTimeProvider();
        var id = MessageId.New(time, new Random(7), digit);

        Assert.True(MessageId.IsValid(id));
        Assert.Equal(expected, id[^1]);
        Assert.Equal(MessageId.New(time, new Random(7))[..^1], id[..^1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageId.New(time, null, 16));
    }

    [Fact]
    public void NewerIdsSortFirst()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 28, 11, 21, 20, TimeSpan.Zero));
        var random = new Random(7);
        var older = MessageId.New(time, random);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var newer = MessageId.New(time, random);
        time.Advance(TimeSpan.FromDays(3650));
        var newest = MessageId.New(time, random);

        Assert.Equal([newest, newer, older], new[] { older, newest, newer }.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CreationTimeIsRecoverableToTheMillisecond()
    {
        var at = new DateTimeOffset(2026, 1, 28, 11, 21, 20, 127, TimeSpan.Zero);

        Assert.Equal(at, MessageId.CreatedAt(MessageId.New(new FakeTimeProvider(at))));
    }

    [Fact]
    public void IdsInTheSameMillisecondDiffer()
    {
        var time = new FakeTimeProvider();
        var ids = Enumerable.Range(0, 1_000).Select(_ => MessageId.New(time)).ToHashSet();

        Assert.Equal(1_000, ids.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("633aabe3e4a9a0e69811ad7")]
    [InlineData("633aabe3e4a9a0e69811ad7f0")]
    [InlineData("633AABE3E4A9A0E69811AD7F")]
    [InlineData("633aabe3e4a9a0e69811ad7g")]
    public void MalformedIdsAreInvalid(string? id) => Assert.False(MessageId.IsValid(id));

    [Fact]
    public void SeedIdIsWellFormed() => Assert.True(MessageId.IsValid("633aabe3e4a9a0e69811ad7f"));

    [Theory]
    [InlineData("nope")]
    [InlineData("FFFFFFFFFFF0000000000000")]
    public void CreatedAtOfSomethingThatIsNotAnIdThrows(string id) => Assert.Throws<FormatException>(() => MessageId.CreatedAt(id));

    [Fact]
    public void TheRandomPartHoldsFiftyTwoBits()
    {
        var at = new DateTimeOffset(2026, 12, 3, 13, 0, 0, TimeSpan.Zero);
        const long low44 = 0x0_0AB_CDEF_0123L;

        // Seeds that differ only above bit 44 (where the old 11-digit random part ended) give different ids.
        var ids = Enumerable.Range(0, 256).Select(high => MessageId.Of(at, ((long)high << 44) | low44, null)).ToHashSet();

        Assert.Equal(256, ids.Count);
        Assert.Equal(new string('f', 13), MessageId.Of(at, -1L, null)[MessageId.TimeDigits..]);
        Assert.Equal(13, MessageId.Length - MessageId.TimeDigits);
    }

    [Fact]
    public void TheSameTimeSeedAndDigitGiveTheSameId()
    {
        var at = new DateTimeOffset(2026, 12, 3, 13, 0, 0, 123, TimeSpan.Zero).AddTicks(4_567);

        Assert.Equal(MessageId.Of(at, 0x1234_5678_9ABC_DEFL, 3), MessageId.Of(at, 0x1234_5678_9ABC_DEFL, 3));
        Assert.Equal(at.AddTicks(-4_567), MessageId.CreatedAt(MessageId.Of(at, 42, 3)));
    }

    [Fact]
    public void TimesFromTheEpochToTheLatestAreExactAndOrdered()
    {
        var times = new[] { MessageId.Epoch, MessageId.Epoch.AddMilliseconds(1), new DateTimeOffset(2026, 12, 3, 13, 43, 22, 9, TimeSpan.Zero), new DateTimeOffset(2500, 6, 1, 0, 0, 0, TimeSpan.Zero), MessageId.Latest };
        var ids = times.Select(t => MessageId.Of(t, 7, null)).ToArray();

        Assert.Equal(times, ids.Select(MessageId.CreatedAt));
        Assert.Equal(Enumerable.Reverse(ids), ids.Order(StringComparer.Ordinal));
        Assert.True(MessageId.Latest.Year >= 2550, $"Ids end in {MessageId.Latest:O}.");
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageId.Of(MessageId.Epoch.AddMilliseconds(-1), 7, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageId.Of(MessageId.Latest.AddMilliseconds(1), 7, null));
    }

    [Fact]
    public void TheTimePrefixIsTheLeadingDigitsOfEveryIdOfThatMillisecond()
    {
        var at = new DateTimeOffset(2026, 12, 3, 13, 43, 22, 9, TimeSpan.Zero);

        Assert.StartsWith(MessageId.TimePrefix(at), MessageId.Of(at, 99, 5), StringComparison.Ordinal);
        Assert.Equal(MessageId.TimeDigits, MessageId.TimePrefix(at).Length);
        Assert.Equal(MessageId.TimePrefix(MessageId.Epoch), MessageId.TimePrefix(DateTimeOffset.MinValue));
    }
}
