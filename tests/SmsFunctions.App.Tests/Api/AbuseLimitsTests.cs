using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Messages;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Api;

/// <summary>Limits that keep one caller from exhausting the gateway: per account, per bulk request, per receipt size.</summary>
[Collection(ApiCollection.Name)]
public sealed class AbuseLimitsTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheRateLimitIsTheAccountsOverAllItsTokens()
    {
        var customer = await app.CreateCustomerAsync(10m, rateLimitPerSecond: 2);
        var second = await app.CreateTokenAsync(customer.AccountId);
        using var other = app.CreateClient(second.Token);

        var statuses = new List<HttpStatusCode>();
        foreach (var client in new[] { customer.Client, other, customer.Client, other })
        {
            using var response = await client.GetAsync(new Uri("/api/messages", UriKind.Relative), Ct);
            statuses.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }

    [Fact]
    public async Task ABulkRequestBeyondTheAccountsConcurrentBulkWorkIs429AndChargesNothing()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var slots = app.Services.GetRequiredService<BulkSendSlots>();
        var held = new List<IDisposable>();
        while (slots.TryTake(customer.AccountId) is { } slot)
        {
            held.Add(slot); // other bulk requests of this account in progress
        }

        var bulk = new { sender = "MyCompany", recipients = Numbers.Mobiles(1000), body = "hi", options = new { dryRun = true } };
        using (var refused = await customer.SendAsync(bulk))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("BULK_LIMIT_REACHED", (await Problem.ReadAsync(refused)).Code);
        }

        // A small request is not bulk work; a bulk one goes through once a slot is free.
        using (var small = await customer.SendAsync(new { sender = "MyCompany", recipients = Numbers.Mobiles(2), body = "hi", options = new { dryRun = true } }))
        {
            Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        }

        held.ForEach(s => s.Dispose());
        using (var accepted = await customer.SendAsync(bulk))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        Assert.Equal(10m, await customer.CreditAsync());
    }

    [Fact]
    public async Task AnOversizedReceiptIsRefusedBeforeItIsParsed()
    {
        using var client = app.CreateClient();
        var form = "mid=0&to=%2B393331234567&type=1&sig=" + new string('a', 32) + "&pad=" + new string('x', 100_000);
        using var content = new StringContent(form, Encoding.ASCII, "application/x-www-form-urlencoded");

        using var response = await client.PostAsync(new Uri("/api/carriers/kannel/receipts", UriKind.Relative), content, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1", null, "127.0.0.1")]
    [InlineData("127.0.0.1", "198.51.100.1, 203.0.113.9", "203.0.113.9")]   // behind the Functions host: the entry Azure appended
    [InlineData("127.0.0.1", "203.0.113.9:51234", "203.0.113.9")]
    [InlineData("203.0.113.5", "198.51.100.1", "203.0.113.5")]              // a remote caller cannot pick its partition
    [InlineData("2001:db8:1:2:3:4:5:6", null, "2001:db8:1:2::/64")]
    [InlineData("::1", "[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64")]
    public void TheClientAddressIsTheConnectionsOrForLoopbackTheLastForwardedOne(string remote, string? forwarded, string expected)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        if (forwarded is not null)
        {
            context.Request.Headers["X-Forwarded-For"] = forwarded;
        }

        Assert.Equal(expected, ClientAddressLimits.ClientAddress(context));
    }
}

/// <summary>The per-address limit, in front of authentication, on every /api route (inside the API's group or not).</summary>
public sealed class ClientAddressLimitTests(ClientAddressLimitTests.TightLimitFixture app) : IClassFixture<ClientAddressLimitTests.TightLimitFixture>
{
    public sealed class TightLimitFixture : SmsAppFixture
    {
        protected override IReadOnlyDictionary<string, string?> Overrides() =>
            new Dictionary<string, string?> { ["Sms:RateLimit:PerClientAddressPerSecond"] = "3" };
    }

    [Fact]
    public async Task UnauthenticatedCallersAreLimitedPerAddressOnApiAndReceiptRoutes()
    {
        var ct = TestContext.Current.CancellationToken;
        var statuses = new List<(string Path, HttpStatusCode Status, string? Code)>();
        foreach (var path in new[] { "/api/messages", "/api/messages", "/api/messages", "/api/messages", "/api/messages", "/api/carriers/kannel/receipts", "/api/health" })
        {
            using var client = app.CreateClient("smsk_" + Convert.ToBase64String(Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative), ct);
            var code = response.StatusCode == HttpStatusCode.TooManyRequests ? (await Problem.ReadAsync(response)).Code : null;
            statuses.Add((path, response.StatusCode, code));
        }

        Assert.Contains(statuses, s => s.Path == "/api/messages" && s.Status == HttpStatusCode.TooManyRequests && s.Code == "RATE_LIMITED");
        Assert.Contains(statuses, s => s.Path == "/api/carriers/kannel/receipts" && s.Status == HttpStatusCode.TooManyRequests);
        Assert.Contains(statuses, s => s.Path == "/api/health" && s.Status == HttpStatusCode.TooManyRequests);
    }
}
