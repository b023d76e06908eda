using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Recipients;

namespace SmsFunctions.Core.Tests.Recipients;

public class PhoneNumberParserTests
{
    [Theory]
    [InlineData("+393331234567")]
    [InlineData("+39-3331234567")]
    [InlineData("  +393331234567 ")]
    [InlineData("+39 333 123 4567")]
    [InlineData("+39-333-123-4567")]
    public void ItalianMobileInAcceptedFormsParsesToE164(string raw)
    {
        var result = PhoneNumberParser.Parse(raw);

        Assert.True(result.IsValid);
        Assert.Equal(new Recipient("+393331234567", "39", "IT"), result.Recipient);
    }

    [Fact]
    public void UkMobileReportsItsPrefixAndCountry()
    {
        var result = PhoneNumberParser.Parse("+44-7400123456");

        Assert.True(result.IsValid);
        Assert.Equal(new Recipient("+447400123456", "44", "GB"), result.Recipient);
    }

    [Fact]
    public void NorthAmericanFixedLineOrMobileIsAccepted()
    {
        var result = PhoneNumberParser.Parse("+1-2015550123");

        Assert.True(result.IsValid);
        Assert.Equal("US", result.Recipient.CountryCode);
        Assert.Equal("1", result.Recipient.InternationalPrefix);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void EmptyNumberIsReported(string? raw) => AssertRejected(raw, ErrorCodes.EmptyNumber);

    [Theory]
    [InlineData("3331234567")]
    [InlineData("003933312345678")]
    [InlineData("39-3331234567")]
    public void NumberWithoutPlusIsMissingTheCountryPrefix(string raw) => AssertRejected(raw, ErrorCodes.MissingCountryPrefix);

    [Theory]
    [InlineData("+39-333-12a4567")]
    [InlineData("+(39)3331234567")]
    [InlineData("+39--3331234567")]
    [InlineData("+-393331234567")]
    [InlineData("+393331234567-")]
    [InlineData("+")]
    [InlineData("+39.333.1234567")]
    [InlineData("+3933312345678901234")]
    [InlineData("+393")]
    [InlineData("+39333")]
    [InlineData("+999123456789")]
    public void MalformedOrImpossibleNumbersAreInvalid(string raw) => AssertRejected(raw, ErrorCodes.InvalidNumber);

    [Fact]
    public void AbsurdlyLongInputIsRejectedWithoutParsing()
        => AssertRejected("+" + new string('3', 1_000), ErrorCodes.InvalidNumber);

    [Fact]
    public void ItalianLandlineIsNotAMobile() => AssertRejected("+39-0212345678", ErrorCodes.NotAMobile);

    [Fact]
    public void RejectionKeepsTheInputAsSent()
    {
        var result = PhoneNumberParser.Parse(" 333 ");

        Assert.False(result.IsValid);
        Assert.Equal(" 333 ", result.Invalid.Input);
        Assert.False(string.IsNullOrWhiteSpace(result.Invalid.Reason));
    }

    private static void AssertRejected(string? raw, string code)
    {
        var result = PhoneNumberParser.Parse(raw);

        Assert.False(result.IsValid);
        Assert.Null(result.Recipient);
        Assert.Equal(code, result.Invalid.Code);
    }
}
