using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class IdempotencyTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    private static HttpRequestMessage Send(string key, object body) => new(HttpMethod.Post, "/api/messages")
    {
        Content = JsonContent.Create(body),
        Headers = { { "Idempotency-Key", key } },
    };

    [Fact]
    public async Task RetryingWithTheSameKeyAndBodyReturnsTheFirstAnswerAndChargesOnce()
    {
        var customer = await app.CreateCustomerAsync(1m);
        var body = new { sender = "MyCompany", recipient = Numbers.Seed, body = "once" };
        var key = Guid.NewGuid().ToString();
        using var first = await customer.Client.SendAsync(Send(key, body), Ct);
        using var second = await customer.Client.SendAsync(Send(key, body), Ct);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var a = JsonNode.Parse(await first.Content.ReadAsStringAsync(Ct))!["data"]![0]!["id"]!.GetValue<string>();
        var b = JsonNode.Parse(await second.Content.ReadAsStringAsync(Ct))!["data"]![0]!["id"]!.GetValue<string>();
        Assert.Equal(a, b);
        Assert.Equal(0.95m, await customer.CreditAsync());
        Assert.Equal(1, await customer.MessageCountAsync());
    }

    [Fact]
    public async Task ConcurrentRetriesWithOneKeyChargeOnce()
    {
        var customer = await app.CreateCustomerAsync(1m);
        var body = new { sender = "MyCompany", recipient = Numbers.Seed, body = "once" };
        var key = Guid.NewGuid().ToString();
        var statuses = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            using var response = await customer.Client.SendAsync(Send(key, body), Ct);
            return response.StatusCode;
        }));
        Assert.Contains(HttpStatusCode.Created, statuses);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.Conflict));
        Assert.Equal(0.95m, await customer.CreditAsync());
        Assert.Equal(1, await customer.MessageCountAsync());
    }

    [Fact]
    public async Task TheSameKeyWithAnotherBodyIs409()
    {
        var customer = await app.CreateCustomerAsync(1m);
        var key = Guid.NewGuid().ToString();
        using var first = await customer.Client.SendAsync(Send(key, new { sender = "MyCompany", recipient = Numbers.Seed, body = "one" }), Ct);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using var second = await customer.Client.SendAsync(Send(key, new { sender = "MyCompany", recipient = Numbers.Seed, body = "two" }), Ct);
        var problem = await Problem.ReadAsync(second);
        Assert.Equal(HttpStatusCode.Conflict, problem.Status);
        Assert.Equal("IDEMPOTENCY_KEY_REUSED", problem.Code);
        Assert.Equal(0.95m, await customer.CreditAsync());
        Assert.Equal(1, await customer.MessageCountAsync());
    }

    [Fact]
    public async Task ARefusedRequestDoesNotBurnItsKey()
    {
        var customer = await app.CreateCustomerAsync(0m);
        var key = Guid.NewGuid().ToString();
        var body = new { sender = "MyCompany", recipient = Numbers.Seed, body = "after top-up" };
        using (var poor = await customer.Client.SendAsync(Send(key, body), Ct))
        {
            Assert.Equal(HttpStatusCode.PaymentRequired, poor.StatusCode);
        }

        using (var topUp = await app.Admin.PostAsJsonAsync($"/api/accounts/{customer.AccountId}/credit", new { amount = 1 }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, topUp.StatusCode);
        }

        using var retried = await customer.Client.SendAsync(Send(key, body), Ct);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(0.95m, await customer.CreditAsync());
    }
}
