using SmsFunctions.Core.Encoding;

namespace SmsFunctions.Core.Tests.Encoding;

public class Gsm7AlphabetTests
{
    [Fact]
    public void BasicTableHasExactly128Positions() => Assert.Equal(128, Gsm7Alphabet.BasicCharacters.Length);

    [Theory]
    [InlineData('@')]
    [InlineData('£')]
    [InlineData('è')]
    [InlineData('à')]
    [InlineData('Ç')]
    [InlineData('ß')]
    [InlineData('¿')]
    [InlineData('\n')]
    [InlineData('\r')]
    [InlineData(' ')]
    [InlineData('z')]
    public void BasicCharactersCostOneSeptet(char c) => Assert.Equal(1, Gsm7Alphabet.SeptetsFor(c));

    [Theory]
    [InlineData('€')]
    [InlineData('[')]
    [InlineData(']')]
    [InlineData('{')]
    [InlineData('}')]
    [InlineData('^')]
    [InlineData('~')]
    [InlineData('\\')]
    [InlineData('|')]
    [InlineData('\f')]
    public void ExtensionCharactersCostTwoSeptets(char c)
    {
        Assert.Equal(2, Gsm7Alphabet.SeptetsFor(c));
        Assert.True(Gsm7Alphabet.IsExtension(c));
    }

    [Theory]
    [InlineData('Δ')]
    [InlineData('Φ')]
    [InlineData('Γ')]
    [InlineData('Λ')]
    [InlineData('Ω')]
    [InlineData('Π')]
    [InlineData('Ψ')]
    [InlineData('Σ')]
    [InlineData('Θ')]
    [InlineData('Ξ')]
    public void EachGsmGreekCapitalIsInTheBasicTable(char c) => Assert.Equal(1, Gsm7Alphabet.SeptetsFor(c));

    [Theory]
    [InlineData('Α')] // Greek capital alpha, not Latin A
    [InlineData('Β')]
    [InlineData('δ')]
    [InlineData('λ')]
    [InlineData('ω')]
    [InlineData('π')]
    [InlineData('σ')]
    public void OtherGreekLettersAreNotGsm(char c) => Assert.False(Gsm7Alphabet.IsGsm7(c));

    [Fact]
    public void CapitalCedillaIsGsmButSmallCedillaIsNot()
    {
        Assert.True(Gsm7Alphabet.IsGsm7('Ç'));
        Assert.False(Gsm7Alphabet.IsGsm7('ç'));
    }

    [Theory]
    [InlineData('\u00A0')]
    [InlineData('\u001B')]
    [InlineData('\t')]
    [InlineData('`')]
    [InlineData('á')]
    [InlineData('È')]
    [InlineData('’')]
    public void LookAlikesAndControlsAreNotGsm(char c) => Assert.Equal(0, Gsm7Alphabet.SeptetsFor(c));

    [Fact]
    public void SpanCheckFailsOnTheFirstNonGsmCharacter()
    {
        Assert.True(Gsm7Alphabet.IsGsm7("Ciao à tutti € {ok}"));
        Assert.False(Gsm7Alphabet.IsGsm7("Ciao ç"));
    }
}
