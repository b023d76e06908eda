using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Storage.Tokens;

namespace SmsFunctions.App.Tests.Api;

/// <summary>Tokens minted by tokens: recorded with their parent, revoked with it, listed without secrets or hashes.</summary>
[Collection(ApiCollection.Name)]
public sealed class TokensTests(SmsAppFixture app)
{
    private static readonly string[] ChildScopes = ["messages:read", "tokens:write"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonObject> MintAsync(HttpClient client, string accountId)
    {
        using var response = await client.PostAsJsonAsync("/api/tokens", new { accountId, scopes = ChildScopes }, Ct);
        return await SmsAppFixture.DataAsync(response);
    }

    private static async Task<HttpStatusCode> ReadWithAsync(SmsAppFixture app, string token)
    {
        using var client = app.CreateClient(token);
        using var response = await client.GetAsync(new Uri("/api/messages", UriKind.Relative), Ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task RevokingATokenRevokesEveryTokenMintedFromIt()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var child = await MintAsync(customer.Client, customer.AccountId);
        using var childClient = app.CreateClient(child["token"]!.GetValue<string>());
        var grandchild = await MintAsync(childClient, customer.AccountId);
        var sibling = await app.CreateTokenAsync(customer.AccountId); // minted by the admin: not below the customer's token
        Assert.Equal(HttpStatusCode.OK, await ReadWithAsync(app, grandchild["token"]!.GetValue<string>()));

        var parentId = child["parentId"]!.GetValue<string>();
        using (var revoke = await app.Admin.DeleteAsync(new Uri($"/api/tokens/{parentId}", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await ReadWithAsync(app, customer.Token));
        Assert.Equal(HttpStatusCode.Unauthorized, await ReadWithAsync(app, child["token"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Unauthorized, await ReadWithAsync(app, grandchild["token"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, await ReadWithAsync(app, sibling.Token));

        using var listed = await app.Admin.GetAsync(new Uri($"/api/tokens?accountId={customer.AccountId}", UriKind.Relative), Ct);
        var rows = JsonNode.Parse(await listed.Content.ReadAsStringAsync(Ct))!["data"]!.AsArray();
        Assert.Equal(3, rows.Count(r => r!["revoked"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task AnAccountListsItsTokensWithTheirParentsAndNeverASecretOrAHash()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var stranger = await app.CreateCustomerAsync(10m);
        var child = await MintAsync(customer.Client, customer.AccountId);

        using var response = await customer.Client.GetAsync(new Uri("/api/tokens", UriKind.Relative), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = JsonNode.Parse(text)!["data"]!.AsArray();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(customer.AccountId, r!["accountId"]!.GetValue<string>()));
        Assert.Contains(rows, r => r!["id"]!.GetValue<string>() == child["id"]!.GetValue<string>() && r["parentId"]!.GetValue<string>() == child["parentId"]!.GetValue<string>());
        foreach (var secret in new[] { customer.Token, child["token"]!.GetValue<string>(), stranger.Token })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(TokenStore.Hash(secret), text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(TokenStore.Hash(child["token"]!.GetValue<string>()), child.ToJsonString(), StringComparison.Ordinal);

        using var admin = await app.Admin.GetAsync(new Uri("/api/tokens", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, admin.StatusCode);
    }

    [Fact]
    public async Task UnknownTokensStayOutOfTheSharedCache()
    {
        var tables = await app.FreshTablesAsync("tok");
        using var shared = new MemoryCache(new MemoryCacheOptions());
        using var store = new TokenStore(tables, TimeProvider.System, shared);

        for (var i = 0; i < 300; i++)
        {
            Assert.Null(await store.ValidateAsync(TokenStore.Prefix + Convert.ToBase64String([.. Guid.NewGuid().ToByteArray(), .. Guid.NewGuid().ToByteArray()]).TrimEnd('=').Replace('+', '-').Replace('/', '_'), Ct));
        }

        Assert.Equal(0, shared.Count);
    }
}
