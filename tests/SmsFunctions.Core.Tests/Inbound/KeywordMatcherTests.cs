using SmsFunctions.Core.Inbound;

namespace SmsFunctions.Core.Tests.Inbound;

public sealed class KeywordMatcherTests
{
    [Theory]
    [InlineData("STOP", InboundKeyword.Stop)]
    [InlineData("  stop \n", InboundKeyword.Stop)]
    [InlineData("Stop!", InboundKeyword.Stop)]
    [InlineData("unsubscribe", InboundKeyword.Stop)]
    [InlineData("Arresta", InboundKeyword.Stop)]
    [InlineData("ANNULLA.", InboundKeyword.Stop)]
    [InlineData("Ârrèsta", InboundKeyword.Stop)]
    [InlineData("start", InboundKeyword.Start)]
    [InlineData("Yes", InboundKeyword.Start)]
    [InlineData("UNSTOP", InboundKeyword.Start)]
    [InlineData("help", InboundKeyword.Help)]
    [InlineData("Aiuto", InboundKeyword.Help)]
    [InlineData("àiuto?", InboundKeyword.Help)]
    [InlineData("info", InboundKeyword.Help)]
    public void WholeTextKeywordsAreRecognisedTrimmedCaseAndAccentFolded(string text, InboundKeyword expected)
        => Assert.Equal(expected, KeywordMatcher.Default.Match(text));

    [Theory]
    [InlineData("stop sending me offers")]
    [InlineData("stopped")]
    [InlineData("please stop")]
    [InlineData("st op")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("Thanks, see you at 8")]
    public void AnythingButTheWholeKeywordIsNotAKeyword(string? text)
        => Assert.Equal(InboundKeyword.None, KeywordMatcher.Default.Match(text));

    [Fact]
    public void ConfiguredListsReplaceTheDefaults()
    {
        var matcher = new KeywordMatcher(stop: ["BASTA", "Fermati"], start: ["RIPARTI"], help: ["Aiutami"]);
        Assert.Equal(InboundKeyword.Stop, matcher.Match("fermati"));
        Assert.Equal(InboundKeyword.Start, matcher.Match("Riparti"));
        Assert.Equal(InboundKeyword.Help, matcher.Match("AIUTAMI"));
        Assert.Equal(InboundKeyword.None, matcher.Match("STOP"));
    }

    [Fact]
    public void AWordInTwoListsMeansStop()
    {
        var matcher = new KeywordMatcher(stop: ["END"], start: ["END"], help: ["END"]);
        Assert.Equal(InboundKeyword.Stop, matcher.Match("end"));
    }

    [Fact]
    public void AKeywordMustBeOneWord()
    {
        Assert.Null(KeywordMatcher.Fold("stop all"));
        Assert.Equal("arresta", KeywordMatcher.Fold("ARRÉSTA"));
    }
}
