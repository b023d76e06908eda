using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class ContentPolicyTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    private async Task<string> ForbidAsync()
    {
        var term = "forbidden" + Guid.NewGuid().ToString("N")[..6];
        using var response = await app.Admin.PostAsJsonAsync("/api/admin/forbidden-terms", new { term }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return term;
    }

    [Fact]
    public async Task AForbiddenWordBlocksTheMessageChargesThePenaltyAndBlocksTheAccountUntilUnblocked()
    {
        var term = await ForbidAsync();
        var customer = await app.CreateCustomerAsync(10m);
        using var response = await customer.SendAsync(new { sender = "MyCompany", recipients = Numbers.Mobiles(3), body = $"Buy {term.ToUpperInvariant()} now" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.False(body["success"]!.GetValue<bool>());
        Assert.Equal(2401, body["error"]!.GetValue<int>());
        Assert.Equal("CONTENT_BLOCKED", body["code"]!.GetValue<string>());
        var data = body["data"]!.AsArray().Single()!;
        Assert.Equal("BLOCKED", data["state"]!.GetValue<string>());
        Assert.True(data["blocklisted"]!.GetValue<bool>());
        Assert.Contains(term, data["blocklistedReason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(9m, await customer.CreditAsync()); // 1.00 per part, one part, not per recipient
        Assert.Equal("BLOCKED", (await customer.GetMessageAsync(data["id"]!.GetValue<string>()))["state"]!.GetValue<string>());

        using (var refused = await customer.SendAsync(new { sender = "MyCompany", recipient = Numbers.Seed, body = "innocent" }))
        {
            var problem = await Problem.ReadAsync(refused);
            Assert.Equal(HttpStatusCode.Forbidden, problem.Status);
            Assert.Equal("ACCOUNT_BLOCKED", problem.Code);
        }

        Assert.Equal(9m, await customer.CreditAsync());
        using (var unblock = await app.Admin.PostAsync(new Uri($"/api/accounts/{customer.AccountId}/unblock", UriKind.Relative), null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, unblock.StatusCode);
        }

        using var again = await customer.SendAsync(new { sender = "MyCompany", recipient = Numbers.Seed, body = "innocent" });
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    [Fact]
    public async Task ADryRunShowsTheBlockWithoutPenalty()
    {
        var term = await ForbidAsync();
        var customer = await app.CreateCustomerAsync(10m);
        using var response = await customer.SendAsync(new { sender = "MyCompany", recipient = Numbers.Seed, body = $"{term}", test = true });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = await SmsAppFixture.DataAsync(response);
        Assert.True(data["blocklisted"]!.GetValue<bool>());
        Assert.Equal(10m, await customer.CreditAsync());
        Assert.Equal(0, await customer.MessageCountAsync());
    }

    [Fact]
    public async Task AdminsListAndRemoveTerms()
    {
        var term = await ForbidAsync();
        using (var list = await app.Admin.GetAsync(new Uri("/api/admin/forbidden-terms", UriKind.Relative), Ct))
        {
            Assert.Contains(term, await list.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using (var removed = await app.Admin.DeleteAsync(new Uri($"/api/admin/forbidden-terms/{term}", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        var customer = await app.CreateCustomerAsync(1m);
        var data = await customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Seed, body = term });
        Assert.False(data["blocklisted"]!.GetValue<bool>());
    }
}
