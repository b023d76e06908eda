using System.Net;
using System.Text;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Api;

/// <summary>With <c>Sms:Carriers:Kannel:AllowedSources</c> set, the Kannel endpoints (receipts, MOs) answer only the
/// listed networks, before anything of the request is read; everything else is untouched.</summary>
public sealed class KannelSourceTests(KannelSourceTests.KannelNetworkFixture app) : IClassFixture<KannelSourceTests.KannelNetworkFixture>
{
    private const string KannelHost = "203.0.113.9";
    private const string Elsewhere = "198.51.100.7";
    private const string Receipts = "/api/carriers/kannel/receipts";
    private const string Inbound = "/api/carriers/kannel/inbound";

    /// <summary>Kannel lives in 203.0.113.0/24 (reached through loopback here, so the source is the forwarded one).</summary>
    public sealed class KannelNetworkFixture : SmsAppFixture
    {
        protected override IReadOnlyDictionary<string, string?> Overrides() => new Dictionary<string, string?>
        {
            ["Sms:Carriers:Kannel:AllowedSources:0"] = "203.0.113.0/24, 2001:db8::/32",
            ["Sms:Carriers:Kannel:InboundKey"] = "app-tests-inbound-key-0123",
        };
    }

    [Theory]
    [InlineData(Receipts + "?mid=0199aa55bb66cc77dd88ee99&to=%2B393331234567&type=1&sig=1.00")]
    [InlineData(Inbound + "?key=app-tests-inbound-key-0123&from=%2B393331234567&to=12345&text=hi")]
    public async Task ACallFromOutsideTheKannelNetworksIsForbidden(string pathAndQuery)
    {
        foreach (var forwarded in new[] { Elsewhere, null }) // another network; loopback itself, not listed
        {
            using var client = app.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(pathAndQuery, UriKind.Relative));
            if (forwarded is not null) { request.Headers.Add("X-Forwarded-For", forwarded); }

            using var response = await client.SendAsync(request, TestCancellation.Token);
            var problem = await Problem.ReadAsync(response);

            Assert.Equal((HttpStatusCode.Forbidden, "KANNEL_SOURCE_FORBIDDEN"), (problem.Status, problem.Code));
        }
    }

    [Fact]
    public async Task AnOversizedReceiptFromOutsideIsForbiddenBeforeItsSizeIsEvenLookedAt()
    {
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Receipts, UriKind.Relative))
        {
            Content = new StringContent("mid=0&to=%2B393331234567&type=1&sig=" + new string('a', 32) + "&pad=" + new string('x', 100_000), Encoding.ASCII, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("X-Forwarded-For", Elsewhere);

        using var response = await client.SendAsync(request, TestCancellation.Token);

        Assert.Equal((HttpStatusCode.Forbidden, "KANNEL_SOURCE_FORBIDDEN"), (response.StatusCode, (await Problem.ReadAsync(response)).Code));
    }

    [Theory]
    [InlineData(KannelHost)]
    [InlineData("[2001:db8::5]:40000")]
    public async Task KannelsOwnNetworkReachesTheEndpointsWhichJudgeTheRequestAsBefore(string forwarded)
    {
        using var client = app.CreateClient();
        using var receipt = new HttpRequestMessage(HttpMethod.Get, new Uri(Receipts + "?mid=0199aa55bb66cc77dd88ee99&to=%2B393331234567", UriKind.Relative));
        receipt.Headers.Add("X-Forwarded-For", forwarded);
        using var inbound = new HttpRequestMessage(HttpMethod.Get, new Uri(Inbound + "?key=wrong-key-wrong-key-wrong&from=%2B393331234567&to=12345&text=hi", UriKind.Relative));
        inbound.Headers.Add("X-Forwarded-For", forwarded);

        using var receiptResponse = await client.SendAsync(receipt, TestCancellation.Token);
        using var inboundResponse = await client.SendAsync(inbound, TestCancellation.Token);

        Assert.Equal((HttpStatusCode.BadRequest, "receipt_malformed"), (receiptResponse.StatusCode, (await Problem.ReadAsync(receiptResponse)).Code));
        Assert.Equal((HttpStatusCode.Forbidden, "INBOUND_KEY_INVALID"), (inboundResponse.StatusCode, (await Problem.ReadAsync(inboundResponse)).Code));
    }

    [Fact]
    public async Task OtherRoutesIgnoreTheKannelNetworks()
    {
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/health", UriKind.Relative));
        request.Headers.Add("X-Forwarded-For", Elsewhere);

        using var response = await client.SendAsync(request, TestCancellation.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
