using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SmsFunctions.App.Callbacks;
using SmsFunctions.Testing;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>
/// Two-way SMS end to end through real Kannel: fakesmsc sends an MO to bearerbox, smsbox's sms-service calls the
/// gateway's inbound endpoint, the gateway stores it and posts the signed webhook to the account's inboundCallback.
/// </summary>
[Collection(nameof(PipelineCollection))]
public sealed class TwoWayKannelTests(PipelineFixture fixture)
{
    private static readonly string[] TwoWayScopes = ["messages:send", "messages:read", "account:read", "account:write", "inbound:read", "optouts:write"];

    [Fact]
    public async Task MoFromAHandsetArrivesSignedAtTheInboundWebhook()
    {
        var ct = TestContext.Current.CancellationToken;
        var (account, number, hook) = await TwoWayAccountAsync(ct);
        var handset = Numbers.German();

        await fixture.Kannel.InjectMoAsync($"{handset} {number} text Hello from a handset");

        var request = await WebhookAsync(hook, handset, ct);
        var data = JsonNode.Parse(request.Body)!["data"]!;
        Assert.Equal("inbound", data["type"]!.GetValue<string>());
        Assert.Equal(handset, data["from"]!.GetValue<string>());
        Assert.Equal(number, data["to"]!.GetValue<string>());
        Assert.Equal("Hello from a handset", data["text"]!.GetValue<string>());
        Assert.Equal("GSM-7", data["encoding"]!.GetValue<string>());
        Assert.Equal("Kannel", data["carrier"]!.GetValue<string>());
        Assert.True(CallbackSigner.Verify(account.Secret, request.Headers[CallbackSigner.HeaderName], Encoding.UTF8.GetBytes(request.Body), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)),
            "The inbound webhook's X-Sms-Signature does not verify with the account's webhook secret.");

        var id = data["id"]!.GetValue<string>();
        var listed = await ListAsync(account.Client, $"/api/inbound?from={Uri.EscapeDataString(handset)}", ct);
        Assert.Equal(id, Assert.Single(listed)!["id"]!.GetValue<string>());
        var attempts = await WaitForAttemptsAsync(account.Client, id, ct);
        Assert.Equal("Delivered", attempts[0]!["outcome"]!.GetValue<string>());
        Assert.Equal("RECEIVED", attempts[0]!["event"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ucs2MoIsDecodedFromKannelsUtf16Bytes()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, number, hook) = await TwoWayAccountAsync(ct);
        var handset = Numbers.German();
        const string text = "Привет, это я 😀 città";
        var encoded = string.Concat(Encoding.BigEndianUnicode.GetBytes(text).Select(b => $"%{b:X2}"));

        await fixture.Kannel.InjectMoAsync($"{handset} {number} ucs2 {encoded}");

        var data = JsonNode.Parse((await WebhookAsync(hook, handset, ct)).Body)!["data"]!;
        Assert.Equal(text, data["text"]!.GetValue<string>());
        Assert.Equal("UCS-2", data["encoding"]!.GetValue<string>());
    }

    [Fact]
    public async Task ThreePartMoIsOneRecordAndOneWebhook()
    {
        var ct = TestContext.Current.CancellationToken;
        var (account, number, hook) = await TwoWayAccountAsync(ct);
        var handset = Numbers.German();
        var reference = Random.Shared.Next(1, 255).ToString("X2", System.Globalization.CultureInfo.InvariantCulture);
        string[] parts = ["AAAA-first-", "BBBB-second-", "CCCC-third."];

        // Out of order, as a network may deliver them.
        await fixture.Kannel.InjectMoAsync(
            $"{handset} {number} udh-text %05%00%03%{reference}%03%02 {parts[1]}",
            $"{handset} {number} udh-text %05%00%03%{reference}%03%01 {parts[0]}",
            $"{handset} {number} udh-text %05%00%03%{reference}%03%03 {parts[2]}");

        var data = JsonNode.Parse((await WebhookAsync(hook, handset, ct)).Body)!["data"]!;
        Assert.Equal(string.Concat(parts), data["text"]!.GetValue<string>());
        var listed = await ListAsync(account.Client, $"/api/inbound?from={Uri.EscapeDataString(handset)}", ct);
        Assert.Single(listed);
        Assert.Single(fixture.Webhooks.Requests, r => r.Path == hook.AbsolutePath);
    }

    [Fact]
    public async Task StopSuppressesTheNextSendUnchargedAndStartRestoresIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var (account, number, hook) = await TwoWayAccountAsync(ct);
        var handset = Numbers.German();

        await fixture.Kannel.InjectMoAsync($"{handset} {number} text  Stop ");
        var stop = JsonNode.Parse((await WebhookAsync(hook, handset, ct)).Body)!["data"]!;
        Assert.Equal("STOP", stop["keyword"]!.GetValue<string>());

        var credit = await CreditAsync(account.Client, ct);
        using (var refused = await account.Client.PostAsJsonAsync("/api/messages", new { sender = number, recipient = handset, message = "Offer!" }, ct))
        {
            var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync(ct))!;
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Equal("ALL_RECIPIENTS_OPTED_OUT", problem["code"]!.GetValue<string>());
        }

        Assert.Equal(credit, await CreditAsync(account.Client, ct));

        await fixture.Kannel.InjectMoAsync($"{handset} {number} text START");
        await fixture.Webhooks.WaitForAsync(r => r.Path == hook.AbsolutePath && JsonNode.Parse(r.Body)?["data"]?["keyword"]?.GetValue<string>() == "START",
            timeout: TimeSpan.FromSeconds(30), cancellationToken: ct);
        using var sent = await account.Client.PostAsJsonAsync("/api/messages", new { sender = number, recipient = handset, message = "Welcome back" }, ct);
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
    }

    [Fact]
    public async Task KannelRepeatingAnMoMakesOneRecordAndOneWebhook()
    {
        var ct = TestContext.Current.CancellationToken;
        var (account, number, hook) = await TwoWayAccountAsync(ct);
        var handset = Numbers.German();
        var url = new Uri(fixture.Gateway.BaseUrl,
            $"/api/carriers/kannel/inbound?key={PipelineFixture.InboundKey}&from={Uri.EscapeDataString(handset)}&to={Uri.EscapeDataString(number)}&text=Twice+please&coding=0&charset=UTF-8&id={Guid.NewGuid()}");
        using var http = new HttpClient();

        // Kannel repeats an MO whose answer it did not get (same %I).
        for (var i = 0; i < 3; i++)
        {
            using var answer = await http.GetAsync(url, ct);
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        }

        await WebhookAsync(hook, handset, ct);
        var listed = await ListAsync(account.Client, $"/api/inbound?from={Uri.EscapeDataString(handset)}", ct);
        Assert.Single(listed);
        await Task.Delay(TimeSpan.FromSeconds(1.5), ct); // Replays wait ReplayDelaySeconds (0.5 s here); none may go out.
        Assert.Single(fixture.Webhooks.Requests, r => r.Path == hook.AbsolutePath);
    }

    [Fact]
    public async Task AFailingInboundWebhookIsRetriedAndEveryAttemptIsListed()
    {
        var ct = TestContext.Current.CancellationToken;
        var (account, number, hook) = await TwoWayAccountAsync(ct);
        var handset = Numbers.German();
        fixture.Webhooks.EnqueueStatuses(500);

        using var injected = await account.Client.PostAsJsonAsync("/api/sandbox/inbound", new { from = handset, to = number, text = "retry me" }, ct);
        var id = (await GatewayHost.ReadDataAsync(injected, ct))["id"]!.GetValue<string>();
        var deliveries = await fixture.Webhooks.WaitForAsync(r => r.Path == hook.AbsolutePath, count: 2, timeout: TimeSpan.FromSeconds(30), cancellationToken: ct);
        Assert.Equal([500, 200], deliveries.Select(d => d.AnsweredStatus));
        Assert.Equal(deliveries[0].Body, deliveries[1].Body);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        JsonArray attempts;
        do
        {
            attempts = await ListAsync(account.Client, $"/api/inbound/{id}/callbacks", ct);
        }
        while (attempts.Count < 2 && DateTime.UtcNow < deadline && await Delay(ct));

        Assert.Equal(["WillRetry", "Delivered"], attempts.Select(a => a!["outcome"]!.GetValue<string>()));
        Assert.Equal(500, attempts[0]!["statusCode"]!.GetValue<int>());
        Assert.Equal([1, 2], attempts.Select(a => a!["attempt"]!.GetValue<int>()));
        // An inbound attempt names the handset that sent the MO, never a "recipient".
        Assert.All(attempts, a => Assert.Equal(handset, a!["from"]!.GetValue<string>()));
        Assert.All(attempts, a => Assert.False(a!.AsObject().ContainsKey("recipient")));
    }

    [Fact]
    public async Task APostUrlMoWithAUtf16BodyIsDecoded()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, number, hook) = await TwoWayAccountAsync(ct);
        var handset = Numbers.German();
        const string text = "Ciao 👋, città";
        using var http = new HttpClient();
        using var body = new ByteArrayContent(Encoding.BigEndianUnicode.GetBytes(text));
        body.Headers.ContentType = MediaTypeHeaderValue.Parse("text/plain; charset=\"UTF-16BE\"");
        body.Headers.Add("X-Kannel-Coding", "2");
        using var answer = await http.PostAsync(new Uri(fixture.Gateway.BaseUrl,
            $"/api/carriers/kannel/inbound?key={PipelineFixture.InboundKey}&from={Uri.EscapeDataString(handset)}&to={Uri.EscapeDataString(number)}&id={Guid.NewGuid()}"), body, ct);
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);

        var data = JsonNode.Parse((await WebhookAsync(hook, handset, ct)).Body)!["data"]!;
        Assert.Equal(text, data["text"]!.GetValue<string>());
        Assert.Equal("UCS-2", data["encoding"]!.GetValue<string>());
    }

    [Fact]
    public async Task ABadKeyIsRefusedAndNothingIsStored()
    {
        var ct = TestContext.Current.CancellationToken;
        var (account, number, _) = await TwoWayAccountAsync(ct);
        var handset = Numbers.German();
        using var http = new HttpClient();
        foreach (var key in new[] { "wrong-key-wrong-key", "", PipelineFixture.InboundKey + "x" })
        {
            using var answer = await http.GetAsync(new Uri(fixture.Gateway.BaseUrl,
                $"/api/carriers/kannel/inbound?key={key}&from={Uri.EscapeDataString(handset)}&to={Uri.EscapeDataString(number)}&text=hi&id={Guid.NewGuid()}"), ct);
            Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
            Assert.Equal("INBOUND_KEY_INVALID", JsonNode.Parse(await answer.Content.ReadAsStringAsync(ct))!["code"]!.GetValue<string>());
        }

        Assert.Empty(await ListAsync(account.Client, $"/api/inbound?from={Uri.EscapeDataString(handset)}", ct));
    }

    [Fact]
    public async Task MoToANumberNobodyOwnsIsKeptAsUnroutable()
    {
        var ct = TestContext.Current.CancellationToken;
        var handset = Numbers.German();
        var nobodys = Numbers.German();

        await fixture.Kannel.InjectMoAsync($"{handset} {nobodys} text Anyone there?");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var listed = await ListAsync(fixture.Gateway.Admin, $"/api/admin/inbound/unroutable?from={Uri.EscapeDataString(handset)}", ct);
            if (listed.Count == 1)
            {
                Assert.Equal(nobodys, listed[0]!["to"]!.GetValue<string>());
                Assert.Equal("Anyone there?", listed[0]!["text"]!.GetValue<string>());
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "The unroutable MO was not listed for the admin.\n" + fixture.Kannel.Tails());
            await Task.Delay(200, ct);
        }
    }

    private sealed record TwoWayAccount(string Id, HttpClient Client, string Secret);

    /// <summary>An account that owns a fresh number, with a two-way token and its inbound webhook set to a fresh hook.</summary>
    private async Task<(TwoWayAccount Account, string Number, Uri Hook)> TwoWayAccountAsync(CancellationToken ct)
    {
        var customer = await fixture.Gateway.CreateCustomerAsync(cancellationToken: ct);
        var number = Numbers.German();
        using (var assigned = await fixture.Gateway.Admin.PostAsJsonAsync($"/api/accounts/{customer.AccountId}/numbers", new { number }, ct))
        {
            await GatewayHost.ReadDataAsync(assigned, ct);
        }

        using var minted = await fixture.Gateway.Admin.PostAsJsonAsync("/api/tokens",
            new { accountId = customer.AccountId, scopes = TwoWayScopes, expiresAt = DateTimeOffset.UtcNow.AddDays(1) }, ct);
        var token = (await GatewayHost.ReadDataAsync(minted, ct))["token"]!.GetValue<string>();
        var client = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var hook = fixture.Hook("inbound-" + Guid.NewGuid().ToString("N"));
        using (var put = await client.PutAsJsonAsync("/api/account", new { inboundCallback = new { url = hook.ToString(), method = "JSON", field = "data", retry = 3 } }, ct))
        {
            await GatewayHost.ReadDataAsync(put, ct);
        }

        return (new TwoWayAccount(customer.AccountId, client, customer.WebhookSecret), number, hook);
    }

    private async Task<RecordedRequest> WebhookAsync(Uri hook, string from, CancellationToken ct)
    {
        try
        {
            return (await fixture.Webhooks.WaitForAsync(
                r => r.Path == hook.AbsolutePath && JsonNode.Parse(r.Body)?["data"]?["from"]?.GetValue<string>() == from,
                timeout: TimeSpan.FromSeconds(30), cancellationToken: ct))[0];
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message + Environment.NewLine + fixture.Kannel.Tails(), ex);
        }
    }

    private static async Task<JsonArray> ListAsync(HttpClient client, string path, CancellationToken ct)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} from {path}: {text}");
        return JsonNode.Parse(text)!["data"]!.AsArray();
    }

    private static async Task<JsonArray> WaitForAttemptsAsync(HttpClient client, string id, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var attempts = await ListAsync(client, $"/api/inbound/{id}/callbacks", ct);
            if (attempts.Count > 0 || DateTime.UtcNow > deadline)
            {
                Assert.NotEmpty(attempts);
                return attempts;
            }

            await Task.Delay(100, ct);
        }
    }

    private static async Task<bool> Delay(CancellationToken ct)
    {
        await Task.Delay(100, ct);
        return true;
    }

    private static async Task<decimal> CreditAsync(HttpClient client, CancellationToken ct)
    {
        using var response = await client.GetAsync(new Uri("/api/account", UriKind.Relative), ct);
        return (await GatewayHost.ReadDataAsync(response, ct))["credit"]!.GetValue<decimal>();
    }
}
