using SmsFunctions.Core.Encoding;

namespace SmsFunctions.Core.Tests.Encoding;

public class SmsEncodingTests
{
    [Fact]
    public void ApiNamesAreTheSeedSpellings()
    {
        Assert.Equal("GSM-7", SmsEncoding.Gsm7.ToApiName());
        Assert.Equal("UCS-2", SmsEncoding.Ucs2.ToApiName());
    }

    [Theory]
    [InlineData("GSM-7", SmsEncoding.Gsm7)]
    [InlineData("UCS-2", SmsEncoding.Ucs2)]
    public void ApiNamesParseBack(string name, SmsEncoding expected)
    {
        Assert.True(SmsEncodingExtensions.TryParseApiName(name, out var parsed));
        Assert.Equal(expected, parsed);
    }

    [Theory]
    [InlineData("gsm7")]
    [InlineData("")]
    [InlineData(null)]
    public void UnknownApiNamesDoNotParse(string? name) => Assert.False(SmsEncodingExtensions.TryParseApiName(name, out _));
}
