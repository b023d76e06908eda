using Microsoft.AspNetCore.WebUtilities;
using SmsFunctions.Carriers.Kannel;
using SmsFunctions.Carriers.Tests.Support;
using SmsFunctions.Core.Encoding;

namespace SmsFunctions.Carriers.Tests.Kannel;

public sealed class KannelSendSmsRequestTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly Uri ReceiptBase = new("http://127.0.0.1:7071/");

    private static readonly KannelCarrierOptions Options = new()
    {
        SendSmsUrl = new Uri("http://127.0.0.1:13013/cgi-bin/sendsms"),
        Username = "user&1",
        Password = "p@ss word+",
        ReceiptSecret = "0123456789abcdef0123",
    };

    [Fact]
    public void EveryValueIsUrlEncodedAndThePlusOfTheRecipientIsEscaped()
    {
        var submission = Submissions.To("+393331234567", "Saldo: 10€ & più") with { Sender = "Shop+Co" };

        var uri = KannelSendSmsRequest.Build(Options, ReceiptBase, submission, Now);

        Assert.Contains("to=%2B393331234567", uri.Query, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(uri.Query);
        Assert.Equal("user&1", query["username"]);
        Assert.Equal("p@ss word+", query["password"]);
        Assert.Equal("Shop+Co", query["from"]);
        Assert.Equal("+393331234567", query["to"]);
        Assert.Equal("Saldo: 10€ & più", query["text"]);
        Assert.Equal("31", query["dlr-mask"]);
        Assert.Equal("UTF-8", query["charset"]);
        Assert.False(query.ContainsKey("coding"));
        Assert.False(query.ContainsKey("mclass"));
        Assert.False(query.ContainsKey("validity"));
        Assert.Equal("/cgi-bin/sendsms", uri.AbsolutePath);
    }

    [Fact]
    public void DlrUrlIsEncodedOnceSoKannelSeesOurIdsEscapedAndItsPlaceholdersLiteral()
    {
        var submission = Submissions.To("+393331234567");

        var uri = KannelSendSmsRequest.Build(Options, ReceiptBase, submission, Now);
        var dlrUrl = QueryHelpers.ParseQuery(uri.Query)["dlr-url"].ToString();

        var expectedSig = KannelReceiptSignature.Compute(Options.ReceiptSecret!, submission.MessageId, submission.Recipient, submission.Nonce!, Now);
        Assert.Equal(
            $"http://127.0.0.1:7071/api/carriers/kannel/receipts?mid={submission.MessageId}&to=%2B393331234567&nonce={submission.Nonce}&sig={expectedSig}&type=%d&ts=%T&smscid=%F&reply=%A",
            dlrUrl);
        Assert.DoesNotContain("&type=", uri.Query, StringComparison.Ordinal); // not cut at its first '&'
    }

    [Fact]
    public void Ucs2FlashAndValidityAddCodingMclassAndMinutes()
    {
        var submission = Submissions.To("+393331234567", "Привет 👋", SmsEncoding.Ucs2) with { Flash = true, ValidUntil = Now.AddMinutes(90).AddSeconds(1) };

        var query = QueryHelpers.ParseQuery(KannelSendSmsRequest.Build(Options, ReceiptBase, submission, Now).Query);

        Assert.Equal(("2", "UTF-8", "0", "91", "Привет 👋"), (query["coding"].ToString(), query["charset"].ToString(), query["mclass"].ToString(), query["validity"].ToString(), query["text"].ToString()));
    }

    [Theory]
    [InlineData(30, 1)]
    [InlineData(60, 1)]
    [InlineData(61, 2)]
    [InlineData(86_400, 1440)]
    public void ValidityIsWholeMinutesRoundedUpAndAtLeastOne(int seconds, int minutes) =>
        Assert.Equal(minutes, KannelSendSmsRequest.ValidityMinutes(Now.AddSeconds(seconds), Now));

    [Fact]
    public void ReceiptBaseWithAPathKeepsIt() =>
        Assert.StartsWith("https://gw.example.com/sms/api/carriers/kannel/receipts?mid=",
            KannelSendSmsRequest.ReceiptUrl(new Uri("https://gw.example.com/sms/"), "secret", "abc", "+39333", "n1", Now), StringComparison.Ordinal);

    [Theory]
    [InlineData("id with space")]
    [InlineData("id%41")]
    [InlineData("idé")]
    public void IdsKannelWouldMangleAreRefused(string id)
    {
        Assert.Throws<ArgumentException>(() => KannelSendSmsRequest.ReceiptUrl(ReceiptBase, "secret", id, "+39333", "n1", Now));
        Assert.Throws<ArgumentException>(() => KannelSendSmsRequest.ReceiptUrl(ReceiptBase, "secret", "abc", "+39333", id, Now));
    }

    [Fact]
    public void EachSubmissionAttemptIsSignedWithItsOwnNonce()
    {
        var submission = Submissions.To("+393331234567");
        string DlrUrl(CarrierSubmission s) => QueryHelpers.ParseQuery(KannelSendSmsRequest.Build(Options, ReceiptBase, s, Now).Query)["dlr-url"].ToString();
        static string Sig(string dlrUrl) => System.Text.RegularExpressions.Regex.Match(dlrUrl, "[?&]sig=([^&]+)").Groups[1].Value;

        Assert.NotEqual(Sig(DlrUrl(submission)), Sig(DlrUrl(submission with { Nonce = "another-claim" })));
        Assert.Contains("&nonce=&sig=", DlrUrl(submission with { Nonce = null }), StringComparison.Ordinal);
    }
}
