using SmsFunctions.Core.Encoding;

namespace SmsFunctions.Core.Tests.Encoding;

public class MessageSplitterTests
{
    private const string Emoji = "\U0001F600";

    [Fact]
    public void SinglePartBodyIsReturnedWhole()
    {
        var body = new string('a', 160);

        Assert.Same(body, Assert.Single(MessageSplitter.Split(body)));
    }

    [Fact]
    public void EmptyBodyIsOneEmptyPart() => Assert.Equal([string.Empty], MessageSplitter.Split(string.Empty));

    [Fact]
    public void GsmPartsAre153Septets()
    {
        var parts = MessageSplitter.Split(new string('a', 307));

        Assert.Equal([153, 153, 1], parts.Select(p => p.Length));
    }

    [Fact]
    public void EuroAtTheBoundaryOpensTheNextPart()
    {
        var parts = MessageSplitter.Split(new string('a', 152) + "€" + new string('b', 152));

        Assert.Equal(3, parts.Count);
        Assert.Equal(new string('a', 152), parts[0]);
        Assert.StartsWith("€", parts[1], StringComparison.Ordinal);
    }

    [Fact]
    public void EmojiIsNeverCutInHalf()
    {
        var parts = MessageSplitter.Split(new string('a', 66) + Emoji + new string('b', 66));

        Assert.Equal(3, parts.Count);
        Assert.Equal(66, parts[0].Length);
        Assert.StartsWith(Emoji, parts[1], StringComparison.Ordinal);
        Assert.All(parts, p => Assert.False(char.IsHighSurrogate(p[^1])));
    }

    [Theory]
    [InlineData(161)]
    [InlineData(459)]
    [InlineData(460)]
    [InlineData(10_000)]
    public void PartsRejoinToTheBodyAndMatchTheCounter(int length)
    {
        var random = new Random(length);
        const string pool = "abc €{}[]~ΔΩ";
        var body = new string([.. Enumerable.Range(0, length).Select(_ => pool[random.Next(pool.Length)])]);

        var parts = MessageSplitter.Split(body);

        Assert.Equal(body, string.Concat(parts));
        Assert.Equal(SegmentCounter.Count(body).MessageCount, parts.Count);
        Assert.All(parts, p => Assert.True(SegmentCounter.Count(p).CharactersCount <= 153));
    }

    [Fact]
    public void Ucs2PartsRejoinAndMatchTheCounter()
    {
        var body = string.Concat(Enumerable.Repeat("ab" + Emoji + "ж", 500));

        var parts = MessageSplitter.Split(body);

        Assert.Equal(body, string.Concat(parts));
        Assert.Equal(SegmentCounter.Count(body).MessageCount, parts.Count);
        Assert.All(parts, p => Assert.True(p.Length <= 67));
    }
}
