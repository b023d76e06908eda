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
    [InlineData("fffffffffffff00000000000")]
    public void CreatedAtOfAnIdWeDidNotMintThrows(string id) => Assert.Throws<FormatException>(() => MessageId.CreatedAt(id));
}
