using SmsFunctions.Core.Encoding;

namespace SmsFunctions.Core.Tests.Encoding;

public class SmartEncoderTests
{
    [Fact]
    public void GsmTextIsReturnedUnchangedAndUncopied()
    {
        const string text = "Ciao à tutti, costa 5€!";

        var result = SmartEncoder.Apply(text);

        Assert.Same(text, result.Text);
        Assert.Empty(result.Replacements);
        Assert.False(result.Changed);
    }

    [Fact]
    public void CurlyQuotesBecomeStraightQuotesAndAreCounted()
    {
        var result = SmartEncoder.Apply("\u201CL\u2019amico\u201D");

        Assert.Equal("\"L'amico\"", result.Text);
        Assert.Contains(new SmartReplacement('\u201C', "\"", 1), result.Replacements);
        Assert.Contains(new SmartReplacement('\u201D', "\"", 1), result.Replacements);
        Assert.Contains(new SmartReplacement('\u2019', "'", 1), result.Replacements);
    }

    [Theory]
    [InlineData("a\u2013b", "a-b")]
    [InlineData("a\u2014b", "a-b")]
    [InlineData("\u22125", "-5")]
    [InlineData("10\u00A0€", "10 €")]
    [InlineData("a\u2009b\u202Fc", "a b c")]
    [InlineData("wait\u2026", "wait...")]
    [InlineData("\u2022 one", "- one")]
    [InlineData("\u00ABciao\u00BB", "\"ciao\"")]
    [InlineData("zero\u200Bwidth", "zerowidth")]
    [InlineData("tab\there", "tab here")]
    [InlineData("`x`", "'x'")]
    public void LookAlikePunctuationAndSpacesBecomeGsm(string input, string expected)
        => Assert.Equal(expected, SmartEncoder.Apply(input).Text);

    [Theory]
    [InlineData("Perché è così", "Perché è così")]
    [InlineData("È già", "E già")]
    [InlineData("São Paulo", "Sao Paulo")]
    [InlineData("Ação", "AÇao")]
    [InlineData("garçon", "garÇon")]
    [InlineData("naïve rôle", "naive role")]
    [InlineData("Œuvre", "OEuvre")]
    public void AccentedLettersGsmLacksLoseTheirAccent(string input, string expected)
        => Assert.Equal(expected, SmartEncoder.Apply(input).Text);

    [Fact]
    public void ReplacementsAreCountedPerCharacter()
    {
        var result = SmartEncoder.Apply("\u2019a\u2019b\u2019");

        Assert.Equal([new SmartReplacement('\u2019', "'", 3)], result.Replacements);
    }

    [Fact]
    public void EveryReplacementIsGsm7()
        => Assert.All(SmartEncoder.Replacements, r => Assert.True(Gsm7Alphabet.IsGsm7(r.Value), $"U+{(int)r.Key:X4}"));

    [Fact]
    public void SmartEncodingCanBringABodyBackToOneGsmPart()
    {
        var body = "L\u2019offerta \u201Cestate\u201D \u2013 fino al 50%\u2026 " + new string('x', 90);
        Assert.Equal(SmsEncoding.Ucs2, SegmentCounter.Count(body).Encoding);

        var info = SegmentCounter.Count(SmartEncoder.Apply(body).Text);

        Assert.Equal(SmsEncoding.Gsm7, info.Encoding);
        Assert.Equal(1, info.MessageCount);
    }

    [Fact]
    public void CharactersWithoutLookAlikesAreKept()
    {
        var result = SmartEncoder.Apply("Привет \U0001F600 \u2019");

        Assert.Equal("Привет \U0001F600 '", result.Text);
        Assert.Equal(SmsEncoding.Ucs2, SegmentCounter.Count(result.Text).Encoding);
    }
}
