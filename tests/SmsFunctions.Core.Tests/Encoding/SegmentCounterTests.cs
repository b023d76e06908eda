using SmsFunctions.Core.Encoding;

namespace SmsFunctions.Core.Tests.Encoding;

public class SegmentCounterTests
{
    private const string Emoji = "\U0001F600"; // 😀, a surrogate pair

    [Theory]
    [InlineData(1, 1)]
    [InlineData(160, 1)]
    [InlineData(161, 2)]
    [InlineData(306, 2)]
    [InlineData(307, 3)]
    [InlineData(459, 3)]
    [InlineData(460, 4)]
    public void PlainGsmBodiesSplitAt160Then153(int length, int parts)
    {
        var info = SegmentCounter.Count(new string('a', length));

        Assert.Equal(SmsEncoding.Gsm7, info.Encoding);
        Assert.Equal(length, info.CharactersCount);
        Assert.Equal(parts, info.MessageCount);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    [InlineData(135, 3)]
    [InlineData(201, 3)]
    [InlineData(202, 4)]
    public void Ucs2BodiesSplitAt70Then67(int length, int parts)
    {
        var info = SegmentCounter.Count("ж" + new string('a', length - 1));

        Assert.Equal(SmsEncoding.Ucs2, info.Encoding);
        Assert.Equal(length, info.CharactersCount);
        Assert.Equal(parts, info.MessageCount);
    }

    [Fact]
    public void ExtensionCharacterCountsTwoSeptets()
    {
        var info = SegmentCounter.Count("Costa 5€");

        Assert.Equal(SmsEncoding.Gsm7, info.Encoding);
        Assert.Equal(9, info.CharactersCount);
        Assert.Equal(9, info.Units);
    }

    [Fact]
    public void EightyEurosFillExactlyOneMessage()
    {
        Assert.Equal(1, SegmentCounter.Count(new string('€', 80)).MessageCount);
        Assert.Equal(2, SegmentCounter.Count(new string('€', 80) + "a").MessageCount);
    }

    [Fact]
    public void LongMessageWithEuroAtBoundaryTakesThreeParts()
    {
        // 152 + € (2 septets) would be 154 in part one, so € opens part two; 307 septets would be 3 parts by ceil
        // anyway, but here the total is 306 septets, which ceil(306/153) says is 2.
        var body = new string('a', 152) + "€" + new string('a', 152);

        var info = SegmentCounter.Count(body);

        Assert.Equal(306, info.CharactersCount);
        Assert.Equal(3, info.MessageCount);
    }

    [Fact]
    public void EuroThatFitsExactlyAtTheBoundaryStaysInThePart()
    {
        var body = new string('a', 151) + "€" + new string('a', 153);

        Assert.Equal(2, SegmentCounter.Count(body).MessageCount);
    }

    [Fact]
    public void EmojiStraddlingTheUcs2BoundaryIsPushedToTheNextPart()
    {
        // 66 units + a pair = 68 units in part one would split the pair; it moves on, so 134 units need 3 parts.
        var body = new string('a', 66) + Emoji + new string('a', 66);

        var info = SegmentCounter.Count(body);

        Assert.Equal(SmsEncoding.Ucs2, info.Encoding);
        Assert.Equal(134, info.CharactersCount);
        Assert.Equal(3, info.MessageCount);
    }

    [Fact]
    public void EmojiEndingExactlyAtTheBoundaryStaysInThePart()
    {
        var body = new string('a', 65) + Emoji + new string('a', 67);

        Assert.Equal(2, SegmentCounter.Count(body).MessageCount);
    }

    [Fact]
    public void EmojiCountsAsTwoUtf16Units()
    {
        var info = SegmentCounter.Count("Hi " + Emoji);

        Assert.Equal(SmsEncoding.Ucs2, info.Encoding);
        Assert.Equal(5, info.CharactersCount);
    }

    [Fact]
    public void OneNonGsmCharacterSwitchesTheWholeBodyToUcs2()
    {
        var body = new string('a', 100) + "ç";

        var info = SegmentCounter.Count(body);

        Assert.Equal(SmsEncoding.Ucs2, info.Encoding);
        Assert.Equal(101, info.CharactersCount);
        Assert.Equal(2, info.MessageCount);
    }

    [Fact]
    public void MixedAlphabetsCountExtensionCharactersAsOneUnitInUcs2()
    {
        var info = SegmentCounter.Count("€ Привет");

        Assert.Equal(SmsEncoding.Ucs2, info.Encoding);
        Assert.Equal(8, info.CharactersCount);
    }

    [Fact]
    public void EmptyBodyIsOneEmptyGsmPart()
    {
        var info = SegmentCounter.Count(string.Empty);

        Assert.Equal(new SegmentInfo(SmsEncoding.Gsm7, 0, 1, 0), info);
    }

    [Fact]
    public void VeryLongGsmBodyCountsEveryPart()
    {
        var info = SegmentCounter.Count(new string('x', 10_000));

        Assert.Equal(10_000, info.CharactersCount);
        Assert.Equal(66, info.MessageCount); // ceil(10000 / 153)
    }

    [Fact]
    public void VeryLongUcs2BodyCountsEveryPart()
    {
        var info = SegmentCounter.Count(new string('ж', 10_000));

        Assert.Equal(150, info.MessageCount); // ceil(10000 / 67)
    }

    [Fact]
    public void FormFeedIsAnExtensionCharacter()
    {
        var info = SegmentCounter.Count("a\fb");

        Assert.Equal(SmsEncoding.Gsm7, info.Encoding);
        Assert.Equal(4, info.CharactersCount);
    }

    [Fact]
    public void GreekGsmLettersStayGsm7()
    {
        var info = SegmentCounter.Count("ΔΦΓΛΩΠΨΣΘΞ");

        Assert.Equal(SmsEncoding.Gsm7, info.Encoding);
        Assert.Equal(10, info.CharactersCount);
    }

    [Fact]
    public void SmallCedillaForcesUcs2ButCapitalDoesNot()
    {
        Assert.Equal(SmsEncoding.Gsm7, SegmentCounter.Count("FRANÇAIS").Encoding);
        Assert.Equal(SmsEncoding.Ucs2, SegmentCounter.Count("français").Encoding);
    }

    [Fact]
    public void NoBreakSpaceForcesUcs2()
        => Assert.Equal(SmsEncoding.Ucs2, SegmentCounter.Count("10\u00A0€").Encoding);

    [Fact]
    public void CountingAllocatesNothing()
    {
        var gsm = new string('a', 152) + "€" + new string('a', 400);
        var ucs = new string('a', 66) + Emoji + new string('a', 300);
        SegmentCounter.Count(gsm);
        SegmentCounter.Count(ucs);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            SegmentCounter.Count(gsm);
            SegmentCounter.Count(ucs);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void NonGsmCharactersAreDistinctInOrderAndKeepEmojiWhole()
    {
        var found = SegmentCounter.NonGsmCharacters("ça va? ça" + Emoji + "\u00A0ok" + Emoji + " €");

        Assert.Equal(["ç", Emoji, "\u00A0"], found);
    }

    [Fact]
    public void GsmBodyHasNoNonGsmCharacters() => Assert.Empty(SegmentCounter.NonGsmCharacters("Ciao €{}"));

    [Fact]
    public void SegmentInfoExposesCapacitiesForItsEncoding()
    {
        var gsm = SegmentCounter.Count("a");
        var ucs = SegmentCounter.Count("ж");

        Assert.Equal((160, 153), (gsm.SinglePartCapacity, gsm.MultiPartCapacity));
        Assert.Equal((70, 67), (ucs.SinglePartCapacity, ucs.MultiPartCapacity));
        Assert.False(gsm.IsMultipart);
    }
}
