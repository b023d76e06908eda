using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Senders;

namespace SmsFunctions.Core.Tests.Senders;

public class SenderIdValidatorTests
{
    [Theory]
    [InlineData("Openapi")]
    [InlineData("MyCompany")]
    [InlineData("abc")]
    [InlineData("ABCDEFGHIJK")]
    [InlineData("Shop 24")]
    [InlineData("B&B Roma")]
    [InlineData("dr.who")]
    [InlineData("1-2-3 Go")]
    public void AlphanumericSendersOfThreeToElevenCharactersAreValid(string sender)
    {
        var result = SenderIdValidator.Validate(sender);

        Assert.True(result.IsValid);
        Assert.Equal(SenderIdKind.Alphanumeric, result.Kind);
        Assert.Equal(sender, result.Sender);
    }

    [Theory]
    [InlineData("123")]
    [InlineData("12345678901234")]
    [InlineData("+393331234567")]
    [InlineData("+123")]
    public void NumericSendersOfThreeToFourteenDigitsAreValid(string sender)
    {
        var result = SenderIdValidator.Validate(sender);

        Assert.True(result.IsValid);
        Assert.Equal(SenderIdKind.Numeric, result.Kind);
    }

    [Fact]
    public void SurroundingWhitespaceIsTrimmed() => Assert.Equal("Openapi", SenderIdValidator.Validate("  Openapi ").Sender);

    [Theory]
    [InlineData(null, ErrorCodes.SenderRequired)]
    [InlineData("", ErrorCodes.SenderRequired)]
    [InlineData("   ", ErrorCodes.SenderRequired)]
    [InlineData("ab", ErrorCodes.SenderTooShort)]
    [InlineData("ABCDEFGHIJKL", ErrorCodes.SenderTooLong)]
    [InlineData("12", ErrorCodes.SenderTooShort)]
    [InlineData("+12", ErrorCodes.SenderTooShort)]
    [InlineData("123456789012345", ErrorCodes.SenderTooLong)]
    [InlineData("Caffè", ErrorCodes.SenderInvalidCharacters)]
    [InlineData("Shop@Home", ErrorCodes.SenderInvalidCharacters)]
    [InlineData("Hi\U0001F600", ErrorCodes.SenderInvalidCharacters)]
    [InlineData("333-123", ErrorCodes.SenderNeedsLetter)]
    [InlineData("+", ErrorCodes.SenderInvalidCharacters)]
    public void InvalidSendersAreRejectedWithAStableCode(string? sender, string code)
    {
        var result = SenderIdValidator.Validate(sender);

        Assert.False(result.IsValid);
        Assert.Equal(code, result.Error.Code);
        Assert.Equal("sender", result.Error.Field);
        Assert.Null(result.Kind);
    }

    [Fact]
    public void TooLongAlphanumericSenderExplainsTheLimit()
        => Assert.Contains("11", SenderIdValidator.Validate("ABCDEFGHIJKL").Error!.Detail, StringComparison.Ordinal);
}
