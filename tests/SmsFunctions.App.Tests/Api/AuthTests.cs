using System.Net;
using System.Net.Http.Json;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class AuthTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    private static readonly string[] ReadScope = ["messages:read"];
    private static readonly string[] SendScope = ["messages:send"];

    private static readonly object Hello = new { sender = "MyCompany", recipient = Numbers.Seed, body = "hello" };

    [Theory]
    [InlineData(null)]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer ")]
    [InlineData("Bearer smsk_not-a-real-token")]
    [InlineData("Bearer smsk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task MissingOrMalformedOrUnknownTokensAre401WithAChallenge(string? authorization)
    {
        using var client = app.CreateClient();
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.PostAsJsonAsync("/api/messages", Hello, Ct);
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.Unauthorized, problem.Status);
        Assert.Equal("UNAUTHORIZED", problem.Code);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredTokenIs401()
    {
        var account = await app.CreateAccountAsync(10m);
        var store = app.Services.GetRequiredServiceFor<Storage.Tokens.TokenStore>();
        var issued = await store.CreateAsync(account.Id, ["messages:send"], DateTimeOffset.UtcNow.AddSeconds(-1), Ct);
        using var client = app.CreateClient(issued.Token);
        using var response = await client.PostAsJsonAsync("/api/messages", Hello, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task RevokedTokenIs401AtOnceInThisProcess()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using (var before = await customer.Client.GetAsync(new Uri("/api/messages", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var id = Storage.Tokens.TokenStore.Hash(customer.Token);
        using (var revoke = await app.Admin.DeleteAsync(new Uri($"/api/tokens/{id}", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        using var after = await customer.Client.GetAsync(new Uri("/api/messages", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task MissingScopeIs403()
    {
        var customer = await app.CreateCustomerAsync(10m, scopes: ["messages:read"]);
        using var send = await customer.SendAsync(Hello);
        var problem = await Problem.ReadAsync(send);
        Assert.Equal(HttpStatusCode.Forbidden, problem.Status);
        Assert.Equal("FORBIDDEN", problem.Code);
        using var cancel = await customer.Client.DeleteAsync(new Uri("/api/messages/0000000000000000000000ab", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, cancel.StatusCode);
        Assert.Equal(10m, await customer.CreditAsync());
    }

    [Fact]
    public async Task AccountTokensCannotUseAdminEndpoints()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var response = await customer.Client.PostAsJsonAsync("/api/accounts", new { name = "x", credit = 1000 }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var topUp = await customer.Client.PostAsJsonAsync($"/api/accounts/{customer.AccountId}/credit", new { amount = 1000 }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, topUp.StatusCode);
        Assert.Equal(10m, await customer.CreditAsync());
    }

    [Fact]
    public async Task AnotherAccountsMessageIs404NeverA403()
    {
        var owner = await app.CreateCustomerAsync(10m);
        var other = await app.CreateCustomerAsync(10m);
        var id = (await owner.SendOkAsync(Hello))["id"]!.GetValue<string>();

        foreach (var path in new[] { $"/api/messages/{id}", $"/api/messages/{id}/recipients", $"/api/messages/{id}/recipients/%2B393331234567" })
        {
            using var read = await other.Client.GetAsync(new Uri(path, UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        }

        using var cancel = await other.Client.DeleteAsync(new Uri($"/api/messages/{id}", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        using var put = await other.Client.PutAsJsonAsync($"/api/messages/{id}", new { transaction = false }, Ct);
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        using var list = await other.Client.GetAsync(new Uri("/api/messages", UriKind.Relative), Ct);
        Assert.DoesNotContain(id, await list.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal("QUEUED", (await owner.GetMessageAsync(id))["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task ATokenWithTokensWriteMintsOnlyASubsetOfItsScopesForItsOwnAccount()
    {
        var customer = await app.CreateCustomerAsync(10m, scopes: ["messages:read", "tokens:write"]);
        var other = await app.CreateAccountAsync(1m);

        using (var ok = await customer.Client.PostAsJsonAsync("/api/tokens", new { scopes = ReadScope, expiresAt = DateTimeOffset.UtcNow.AddHours(1) }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
            var minted = await SmsAppFixture.DataAsync(ok);
            using var client = app.CreateClient(minted["token"]!.GetValue<string>());
            using var read = await client.GetAsync(new Uri("/api/messages", UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        using (var escalate = await customer.Client.PostAsJsonAsync("/api/tokens", new { scopes = SendScope }, Ct))
        {
            var problem = await Problem.ReadAsync(escalate);
            Assert.Equal(HttpStatusCode.Forbidden, problem.Status);
            Assert.Equal("SCOPE_NOT_GRANTABLE", problem.Code);
        }

        using (var foreign = await customer.Client.PostAsJsonAsync("/api/tokens", new { accountId = other.Id, scopes = ReadScope }, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        }

        using (var outlive = await customer.Client.PostAsJsonAsync("/api/tokens", new { scopes = ReadScope, expiresAt = DateTimeOffset.UtcNow.AddDays(30) }, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, outlive.StatusCode);
        }

        var readOnly = await app.CreateCustomerAsync(1m, scopes: ["messages:read"]);
        using var denied = await readOnly.Client.PostAsJsonAsync("/api/tokens", new { scopes = ReadScope }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    [Fact]
    public async Task TokensAreStoredOnlyAsHashes()
    {
        var customer = await app.CreateCustomerAsync(1m);
        Assert.StartsWith("smsk_", customer.Token, StringComparison.Ordinal);
        var hash = Storage.Tokens.TokenStore.Hash(customer.Token);
        var row = await app.Tables.Tokens.GetEntityAsync<Azure.Data.Tables.TableEntity>(Storage.Tokens.TokenEntity.PartitionOf(hash), hash, cancellationToken: Ct);
        Assert.DoesNotContain(row.Value.Select(p => p.Value), v => v is string s && s.Contains(customer.Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExceedingTheAccountsRateLimitIs429WithRetryAfter()
    {
        var customer = await app.CreateCustomerAsync(10m, rateLimitPerSecond: 3);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await customer.Client.GetAsync(new Uri("/api/messages", UriKind.Relative), Ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            Assert.NotNull(limited.Headers.RetryAfter);
            var problem = await Problem.ReadAsync(limited);
            Assert.Equal("RATE_LIMITED", problem.Code);
        }

        Assert.DoesNotContain(statuses, s => (int)s >= 500);
    }
}
