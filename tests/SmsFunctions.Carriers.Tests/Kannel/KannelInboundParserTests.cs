using System.Text;
using SmsFunctions.Carriers.Kannel;

namespace SmsFunctions.Carriers.Tests.Kannel;

/// <summary>The queries below are what Kannel 1.4.5's sms-service sent (docs/kannel-mo.md), byte for byte.</summary>
public sealed class KannelInboundParserTests
{
    private static InboundSms Parse(string query)
    {
        var (sms, problem) = KannelInboundParser.Parse(KannelInboundParser.ParseQuery(query));
        Assert.True(sms is not null, problem);
        return sms!;
    }

    [Fact]
    public void GsmTextWithSpacesAsPlusSigns()
    {
        var sms = Parse("?key=k&from=%2B491701234567&to=12345&text=Hello+from+a+handset&ts=1795464726&smsc=FAKE&coding=0&charset=UTF-8&udh=&id=b3bbeeab-b839-4200-af1d-77546460d9b5");
        Assert.Equal("+491701234567", sms.From);
        Assert.Equal("12345", sms.To);
        Assert.Equal("Hello from a handset", sms.Text);
        Assert.Equal("GSM-7", sms.Encoding);
        Assert.Equal("b3bbeeab-b839-4200-af1d-77546460d9b5", sms.CarrierMessageId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795464726), sms.SentAt);
        Assert.Equal("FAKE", sms.Smsc);
    }

    [Fact]
    public void Ucs2IsDecodedFromItsUtf16BigEndianBytesIncludingAByteThatLooksLikeASpace()
    {
        // "Привет 😀": the space is 0x00 0x20, sent as "%00+" — a UTF-8 query decoder would turn the text into garbage.
        var sms = Parse("from=%2B79161234567&to=12345&text=%04%1F%04%40%048%042%045%04B%00+%D8%3D%DE%00&coding=2&charset=UTF-16BE&id=ac4bf0b1");
        Assert.Equal("Привет 😀", sms.Text);
        Assert.Equal("UCS-2", sms.Encoding);
    }

    [Fact]
    public void Ucs2WithoutACharsetIsUtf16BigEndian()
        => Assert.Equal("Città", Parse("from=%2B393471234567&to=%2B393330001000&coding=2&text=" + string.Concat(Encoding.BigEndianUnicode.GetBytes("Città").Select(b => $"%{b:X2}"))).Text);

    [Fact]
    public void Utf8TextWithAccents()
        => Assert.Equal("Sì, città €", Parse("from=393471234567&to=393330001000&text=S%C3%AC%2C+citt%C3%A0+%E2%82%AC&coding=0&charset=UTF-8").Text);

    [Fact]
    public void PostUrlTextComesFromTheBodyInItsCharset()
    {
        var (sms, _) = KannelInboundParser.Parse(KannelInboundParser.ParseQuery("from=%2B491701234567&to=12345&coding=2"), Encoding.BigEndianUnicode.GetBytes("Ciao 👋"), "UTF-16BE");
        Assert.Equal("Ciao 👋", sms!.Text);
    }

    [Theory]
    [InlineData("to=12345&text=hi", "from")]
    [InlineData("from=%2B491701234567&text=hi", "to")]
    [InlineData("from=%2B491701234567&to=12345&text=hi&coding=7", "coding")]
    [InlineData("from=%2B491701234567&to=12345&text=%FF%FE&charset=UTF-8", "decoded")]
    [InlineData("from=%2B491701234567&to=12345&text=%00%41%00&coding=2&charset=UTF-16BE", "decoded")]
    [InlineData("from=%2B491701234567&to=12345&text=hi&charset=KOI8-R", "decoded")]
    public void MalformedMosAreRefusedWithAReason(string query, string about)
    {
        var (sms, problem) = KannelInboundParser.Parse(KannelInboundParser.ParseQuery(query));
        Assert.Null(sms);
        Assert.Contains(about, problem, StringComparison.Ordinal);
    }
}
