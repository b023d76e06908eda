using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Api;

/// <summary>
/// Two-way SMS at the API: inbound numbers (one owner each), the account's own settings, the sandbox's MO injection,
/// the inbound log, STOP/START/HELP and suppression at send time, the opt-out list. Webhook delivery and Kannel are
/// covered end to end in SmsFunctions.Pipeline.Tests.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class TwoWayApiTests(SmsAppFixture app)
{
    public static readonly string[] TwoWayScopes = ["messages:send", "messages:read", "account:read", "account:write", "inbound:read", "optouts:write"];

    private static int _next = Random.Shared.Next(1_000_000, 8_000_000);

    private static string Number() => "+39347" + Interlocked.Increment(ref _next).ToString("D7", CultureInfo.InvariantCulture);

    [Fact]
    public async Task ANumberBelongsToOneAccountAndCanBeReleased()
    {
        var first = await app.CreateAccountAsync(10m);
        var second = await app.CreateAccountAsync(10m);
        var number = Number();

        using (var added = await AssignAsync(first.Id, number))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        using (var again = await AssignAsync(first.Id, number.Replace("+39", "+39-", StringComparison.Ordinal)))
        {
            Assert.Equal(HttpStatusCode.Created, again.StatusCode); // The owner asking again: nothing changes.
        }

        using (var taken = await AssignAsync(second.Id, number))
        {
            var problem = await Problem.ReadAsync(taken);
            Assert.Equal(HttpStatusCode.Conflict, problem.Status);
            Assert.Equal("NUMBER_TAKEN", problem.Code);
        }

        var list = await DataArrayAsync(await app.Admin.GetAsync(new Uri($"/api/accounts/{first.Id}/numbers", UriKind.Relative), TestCancellation.Token));
        Assert.Equal(number, Assert.Single(list)!["number"]!.GetValue<string>());

        using (var wrongOwner = await app.Admin.DeleteAsync(new Uri($"/api/accounts/{second.Id}/numbers/{Uri.EscapeDataString(number)}", UriKind.Relative), TestCancellation.Token))
        {
            Assert.Equal("NUMBER_NOT_FOUND", (await Problem.ReadAsync(wrongOwner)).Code);
        }

        using (var released = await app.Admin.DeleteAsync(new Uri($"/api/accounts/{first.Id}/numbers/{Uri.EscapeDataString(number)}", UriKind.Relative), TestCancellation.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        }

        using var nowSecond = await AssignAsync(second.Id, number);
        Assert.Equal(HttpStatusCode.Created, nowSecond.StatusCode);
    }

    [Fact]
    public async Task TheAccountReadsAndSetsItsOwnTwoWaySettings()
    {
        var (customer, number) = await TwoWayCustomerAsync();
        using (var put = await customer.Client.PutAsJsonAsync("/api/account", new
        {
            inboundCallback = new { url = "https://203.0.113.10/inbound", method = "POST", field = "mo", headers = new { session = "s1" }, retry = 5 },
            helpText = "Acme: reply STOP to opt out.",
            otpBypassesOptOut = true,
        }, TestCancellation.Token))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using var get = await customer.Client.GetAsync(new Uri("/api/account", UriKind.Relative), TestCancellation.Token);
        var data = await SmsAppFixture.DataAsync(get);
        Assert.Equal(customer.AccountId, data["id"]!.GetValue<string>());
        Assert.Equal(100m, data["credit"]!.GetValue<decimal>());
        Assert.Equal(number, Assert.Single(data["numbers"]!.AsArray())!.GetValue<string>());
        Assert.Equal("https://203.0.113.10/inbound", data["inboundCallback"]!["url"]!.GetValue<string>());
        Assert.Equal("POST", data["inboundCallback"]!["method"]!.GetValue<string>());
        Assert.Equal(5, data["inboundCallback"]!["retry"]!.GetValue<int>());
        Assert.Equal("Acme: reply STOP to opt out.", data["helpText"]!.GetValue<string>());
        Assert.True(data["otpBypassesOptOut"]!.GetValue<bool>());

        using var cleared = await customer.Client.PutAsJsonAsync("/api/account", new { inboundCallback = (object?)null }, TestCancellation.Token);
        Assert.Null((await SmsAppFixture.DataAsync(cleared))["inboundCallback"]);
    }

    [Fact]
    public async Task ASandboxMoIsStoredListedAndAnswersTheLatestMessageSentToThatNumber()
    {
        var (customer, number) = await TwoWayCustomerAsync();
        var handset = Number();
        var sent = await customer.SendOkAsync(new { sender = number, recipient = handset, message = "Your table is ready. Reply YES to confirm." });

        var mo = await InjectAsync(customer.Client, handset, number, "Sì, arrivo 😀");
        Assert.Equal(handset, mo["from"]!.GetValue<string>());
        Assert.Equal(number, mo["to"]!.GetValue<string>());
        Assert.Equal("Sì, arrivo 😀", mo["text"]!.GetValue<string>());
        Assert.Equal("UCS-2", mo["encoding"]!.GetValue<string>());
        Assert.Equal(sent["id"]!.GetValue<string>(), mo["inReplyTo"]!.GetValue<string>());

        var id = mo["id"]!.GetValue<string>();
        using var one = await customer.Client.GetAsync(new Uri($"/api/inbound/{id}", UriKind.Relative), TestCancellation.Token);
        Assert.Equal("Sì, arrivo 😀", (await SmsAppFixture.DataAsync(one))["text"]!.GetValue<string>());

        var other = await InjectAsync(customer.Client, Number(), number, "another handset");
        var byFrom = await DataArrayAsync(await customer.Client.GetAsync(new Uri($"/api/inbound?from={Uri.EscapeDataString(handset)}", UriKind.Relative), TestCancellation.Token));
        Assert.Equal(id, Assert.Single(byFrom)!["id"]!.GetValue<string>());
        var all = await DataArrayAsync(await customer.Client.GetAsync(new Uri("/api/inbound", UriKind.Relative), TestCancellation.Token));
        Assert.Equal([other["id"]!.GetValue<string>(), id], all.Select(m => m!["id"]!.GetValue<string>()).ToArray()); // newest first
        var future = await DataArrayAsync(await customer.Client.GetAsync(new Uri($"/api/inbound?since={DateTimeOffset.UtcNow.AddMinutes(5):O}".Replace("+", "%2B", StringComparison.Ordinal), UriKind.Relative), TestCancellation.Token));
        Assert.Empty(future);

        // Another account sees none of it.
        var (stranger, _) = await TwoWayCustomerAsync();
        using var hidden = await stranger.Client.GetAsync(new Uri($"/api/inbound/{id}", UriKind.Relative), TestCancellation.Token);
        Assert.Equal("INBOUND_NOT_FOUND", (await Problem.ReadAsync(hidden)).Code);
    }

    [Fact]
    public async Task ARepeatedMoWithTheSameCarrierIdIsOneRecord()
    {
        var (customer, number) = await TwoWayCustomerAsync();
        var handset = Number();
        var carrierId = Guid.NewGuid().ToString();
        var first = await InjectAsync(customer.Client, handset, number, "once", carrierId);
        var second = await InjectAsync(customer.Client, handset, number, "once", carrierId);

        Assert.Equal(first["id"]!.GetValue<string>(), second["id"]!.GetValue<string>());
        var listed = await DataArrayAsync(await customer.Client.GetAsync(new Uri($"/api/inbound?from={Uri.EscapeDataString(handset)}", UriKind.Relative), TestCancellation.Token));
        Assert.Single(listed);
    }

    [Fact]
    public async Task AnMoToANumberNobodyOwnsIsKeptForTheAdmin()
    {
        var handset = Number();
        var nobodys = Number();
        using var injected = await app.Admin.PostAsJsonAsync("/api/sandbox/inbound", new { from = handset, to = nobodys, text = "hello?" }, TestCancellation.Token);
        var mo = await SmsAppFixture.DataAsync(injected);
        Assert.Equal("unroutable", mo["accountId"]!.GetValue<string>());

        var listed = await DataArrayAsync(await app.Admin.GetAsync(new Uri($"/api/admin/inbound/unroutable?from={Uri.EscapeDataString(handset)}", UriKind.Relative), TestCancellation.Token));
        Assert.Equal(nobodys, Assert.Single(listed)!["to"]!.GetValue<string>());
    }

    [Fact]
    public async Task ATokenCannotInjectToANumberItsAccountDoesNotOwn()
    {
        var (customer, _) = await TwoWayCustomerAsync();
        var (_, othersNumber) = await TwoWayCustomerAsync();
        using var refused = await customer.Client.PostAsJsonAsync("/api/sandbox/inbound", new { from = Number(), to = othersNumber, text = "hi" }, TestCancellation.Token);
        var problem = await Problem.ReadAsync(refused);
        Assert.Equal(HttpStatusCode.Forbidden, problem.Status);
        Assert.Equal("NUMBER_NOT_OWNED", problem.Code);
    }

    [Fact]
    public async Task StopSuppressesSendsUnchargedAndStartRestoresThem()
    {
        var (customer, number) = await TwoWayCustomerAsync();
        var stopper = Number();
        var other = Number();

        var stop = await InjectAsync(customer.Client, stopper, number, "  ArrEsta! ");
        Assert.Equal("STOP", stop["keyword"]!.GetValue<string>());

        // Everyone opted out: refused, nothing stored or charged.
        var messages = await customer.MessageCountAsync();
        using (var refused = await customer.SendAsync(new { sender = "Acme", recipient = stopper, message = "Offer" }))
        {
            var problem = await Problem.ReadAsync(refused);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, problem.Status);
            Assert.Equal("ALL_RECIPIENTS_OPTED_OUT", problem.Code);
            Assert.Equal("OPTED_OUT", problem.Body["invalidRecipients"]![0]!["code"]!.GetValue<string>());
        }

        Assert.Equal(100m, await customer.CreditAsync());
        Assert.Equal(messages, await customer.MessageCountAsync());

        // Some opted out: the others are sent and charged, the opted-out one is reported like an invalid number.
        var sent = await customer.SendOkAsync(new { sender = "Acme", recipients = new[] { stopper, other }, message = "Offer" });
        Assert.Equal(1, sent["recipients"]!.GetValue<int>());
        Assert.Equal(100m - sent["totalPrice"]!.GetValue<decimal>(), await customer.CreditAsync());
        var invalid = Assert.Single(sent["invalidRecipients"]!.AsArray())!;
        Assert.Equal("OPTED_OUT", invalid["code"]!.GetValue<string>());

        var list = await DataArrayAsync(await customer.Client.GetAsync(new Uri("/api/opt-outs", UriKind.Relative), TestCancellation.Token));
        var entry = Assert.Single(list)!;
        Assert.Equal(stopper, entry["number"]!.GetValue<string>());
        Assert.Equal("keyword", entry["source"]!.GetValue<string>());

        var start = await InjectAsync(customer.Client, stopper, number, "start");
        Assert.Equal("START", start["keyword"]!.GetValue<string>());
        using var again = await customer.SendAsync(new { sender = "Acme", recipient = stopper, message = "Welcome back" });
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    [Fact]
    public async Task AnOptedOutNumberIsNotAddedToAnOpenTransaction()
    {
        var (customer, number) = await TwoWayCustomerAsync();
        var stopper = Number();
        var other = Number();
        await InjectAsync(customer.Client, stopper, number, "STOP");
        var draft = await customer.SendOkAsync(new { sender = "Acme", recipients = new[] { other }, body = "Hi", options = new { transaction = true } });
        var id = draft["id"]!.GetValue<string>();
        var credit = await customer.CreditAsync();

        using var refused = await customer.Client.PutAsJsonAsync($"/api/messages/{id}", new { recipients = new[] { stopper } }, TestCancellation.Token);
        var problem = await Problem.ReadAsync(refused);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, problem.Status);
        Assert.Equal("ALL_RECIPIENTS_OPTED_OUT", problem.Code);
        Assert.Equal(credit, await customer.CreditAsync());
        Assert.Equal(1, (await customer.GetMessageAsync(id))["recipients"]!.GetValue<int>());
    }

    [Fact]
    public async Task AWordThatOnlyStartsWithStopIsNotAKeyword()
    {
        var (customer, number) = await TwoWayCustomerAsync();
        var handset = Number();
        var mo = await InjectAsync(customer.Client, handset, number, "stop sending me offers please");
        Assert.Null(mo["keyword"]);
        using var sent = await customer.SendAsync(new { sender = "Acme", recipient = handset, message = "Sorry!" });
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
    }

    [Fact]
    public async Task OtpBypassesTheListOnlyWhenTheAccountSaysSo()
    {
        var (customer, number) = await TwoWayCustomerAsync();
        var handset = Number();
        await InjectAsync(customer.Client, handset, number, "STOP");

        using (var refused = await customer.SendAsync(new { sender = "Acme", recipient = handset, message = "Code 123456", type = "otp" }))
        {
            Assert.Equal("ALL_RECIPIENTS_OPTED_OUT", (await Problem.ReadAsync(refused)).Code);
        }

        using (var put = await customer.Client.PutAsJsonAsync("/api/account", new { otpBypassesOptOut = true }, TestCancellation.Token))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var otp = await customer.SendAsync(new { sender = "Acme", recipient = handset, message = "Code 123456", type = "otp" }))
        {
            Assert.Equal(HttpStatusCode.Created, otp.StatusCode);
        }

        using var promo = await customer.SendAsync(new { sender = "Acme", recipient = handset, message = "Sale!", type = "promotional" });
        Assert.Equal("ALL_RECIPIENTS_OPTED_OUT", (await Problem.ReadAsync(promo)).Code);
    }

    [Fact]
    public async Task HelpIsAnsweredWithTheAccountsHelpTextAsAChargedMessage()
    {
        var (customer, number) = await TwoWayCustomerAsync();
        using (var put = await customer.Client.PutAsJsonAsync("/api/account", new { helpText = "Acme support: 800 123 456. Reply STOP to opt out." }, TestCancellation.Token))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var handset = Number();
        var mo = await InjectAsync(customer.Client, handset, number, "Aiuto");
        Assert.Equal("HELP", mo["keyword"]!.GetValue<string>());

        var messages = await DataArrayAsync(await customer.Client.GetAsync(new Uri("/api/messages", UriKind.Relative), TestCancellation.Token));
        var reply = Assert.Single(messages)!;
        Assert.Equal(handset, reply["recipient"]!.GetValue<string>());
        Assert.Equal(number, reply["sender"]!.GetValue<string>());
        Assert.Equal("Acme support: 800 123 456. Reply STOP to opt out.", reply["message"]!.GetValue<string>());
        Assert.True(await customer.CreditAsync() < 100m);
    }

    [Fact]
    public async Task TheOptOutListImportsListsAndRemoves()
    {
        var (customer, _) = await TwoWayCustomerAsync();
        var a = Number();
        var b = Number();
        using (var imported = await customer.Client.PostAsJsonAsync("/api/opt-outs", new { numbers = new[] { a, b.Replace("+39", "+39-", StringComparison.Ordinal), a } }, TestCancellation.Token))
        {
            var data = await SmsAppFixture.DataAsync(imported);
            Assert.Equal(2, data["added"]!.GetValue<int>());
        }

        using (var again = await customer.Client.PostAsJsonAsync("/api/opt-outs", new { numbers = new[] { a } }, TestCancellation.Token))
        {
            Assert.Equal(1, (await SmsAppFixture.DataAsync(again))["alreadyListed"]!.GetValue<int>());
        }

        var page = await DataArrayAsync(await customer.Client.GetAsync(new Uri("/api/opt-outs?pageSize=1", UriKind.Relative), TestCancellation.Token));
        Assert.Single(page);
        var all = await DataArrayAsync(await customer.Client.GetAsync(new Uri("/api/opt-outs", UriKind.Relative), TestCancellation.Token));
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), all.Select(e => e!["number"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(all, e => Assert.Equal("api", e!["source"]!.GetValue<string>()));

        using (var removed = await customer.Client.DeleteAsync(new Uri($"/api/opt-outs/{Uri.EscapeDataString(a)}", UriKind.Relative), TestCancellation.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using (var gone = await customer.Client.DeleteAsync(new Uri($"/api/opt-outs/{Uri.EscapeDataString(a)}", UriKind.Relative), TestCancellation.Token))
        {
            Assert.Equal("OPT_OUT_NOT_FOUND", (await Problem.ReadAsync(gone)).Code);
        }

        using var send = await customer.SendAsync(new { sender = "Acme", recipients = new[] { a, b }, message = "hi" });
        Assert.Equal(1, (await SmsAppFixture.DataAsync(send))["recipients"]!.GetValue<int>());
    }

    [Fact]
    public async Task NewEndpointsNeedTheirScopes()
    {
        var customer = await app.CreateCustomerAsync(scopes: ["messages:send", "messages:read"]);
        foreach (var (method, path) in new[] { ("GET", "/api/account"), ("PUT", "/api/account"), ("GET", "/api/inbound"), ("GET", "/api/opt-outs"), ("POST", "/api/opt-outs"), ("POST", "/api/sandbox/inbound"), ("GET", $"/api/accounts/{customer.AccountId}/numbers") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)) { Content = method == "GET" ? null : new StringContent("{}", Encoding.UTF8, "application/json") };
            using var response = await customer.Client.SendAsync(request, TestCancellation.Token);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task TheKannelInboundEndpointRefusesEverythingWithoutAConfiguredKey()
    {
        var (customer, number) = await TwoWayCustomerAsync();
        var handset = Number();
        using var http = app.CreateClient();
        using var response = await http.GetAsync(new Uri($"/api/carriers/kannel/inbound?key=anything-at-all-0123&from={Uri.EscapeDataString(handset)}&to={Uri.EscapeDataString(number)}&text=hi", UriKind.Relative), TestCancellation.Token);
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.Forbidden, problem.Status);
        Assert.Equal("INBOUND_KEY_INVALID", problem.Code);
        Assert.Empty(await DataArrayAsync(await customer.Client.GetAsync(new Uri("/api/inbound", UriKind.Relative), TestCancellation.Token)));
    }

    public static TheoryData<string, string, string, int, string> BadRequests => new()
    {
        { "POST", "/api/accounts/{account}/numbers", "{\"number\":12}", 400, "WRONG_TYPE" },
        { "POST", "/api/accounts/{account}/numbers", "{}", 422, "FIELD_REQUIRED" },
        { "POST", "/api/accounts/{account}/numbers", "{\"number\":\"hello\"}", 422, "INVALID_INBOUND_NUMBER" },
        { "POST", "/api/accounts/{account}/numbers", "{\"number\":\"+12\"}", 422, "INVALID_INBOUND_NUMBER" },
        { "POST", "/api/accounts/{account}/numbers", "{\"number\":", 400, "MALFORMED_JSON" },
        { "POST", "/api/accounts/acc_nobody/numbers", "{\"number\":\"+393470000001\"}", 404, "ACCOUNT_NOT_FOUND" },
        { "DELETE", "/api/accounts/{account}/numbers/notanumber", "", 422, "INVALID_INBOUND_NUMBER" },
        { "PUT", "/api/account", "[]", 400, "WRONG_TYPE" },
        { "PUT", "/api/account", "{\"inboundCallback\":\"http://x\"}", 400, "WRONG_TYPE" },
        { "PUT", "/api/account", "{\"inboundCallback\":{}}", 422, "FIELD_REQUIRED" },
        { "PUT", "/api/account", "{\"inboundCallback\":{\"url\":\"ftp://x/y\"}}", 422, "INVALID_CALLBACK_URL" },
        { "PUT", "/api/account", "{\"inboundCallback\":{\"url\":\"https://203.0.113.9/\",\"method\":\"GET\"}}", 400, "UNKNOWN_VALUE" },
        { "PUT", "/api/account", "{\"inboundCallback\":{\"url\":\"https://203.0.113.9/\",\"retry\":99}}", 422, "INVALID_CALLBACK_RETRY" },
        { "PUT", "/api/account", "{\"helpText\":42}", 400, "WRONG_TYPE" },
        { "PUT", "/api/account", "{\"otpBypassesOptOut\":\"yes\"}", 400, "WRONG_TYPE" },
        { "PUT", "/api/account", "{\"stopReply\":\"" + new string('x', 1531) + "\"}", 422, "INVALID_VALUE" },
        { "POST", "/api/sandbox/inbound", "{\"to\":\"{number}\",\"text\":\"hi\"}", 422, "FIELD_REQUIRED" },
        { "POST", "/api/sandbox/inbound", "{\"from\":\"abc\",\"to\":\"{number}\",\"text\":\"hi\"}", 422, "INVALID_NUMBER" },
        { "POST", "/api/sandbox/inbound", "{\"from\":\"+393470000002\",\"to\":\"x\",\"text\":\"hi\"}", 422, "INVALID_INBOUND_NUMBER" },
        { "POST", "/api/sandbox/inbound", "{\"from\":\"+393470000002\",\"to\":\"{number}\"}", 422, "FIELD_REQUIRED" },
        { "POST", "/api/sandbox/inbound", "{\"from\":\"+393470000002\",\"to\":\"{number}\",\"text\":7}", 400, "WRONG_TYPE" },
        { "POST", "/api/sandbox/inbound", "{\"from\":\"+393470000002\",\"to\":\"{number}\",\"text\":\"" + new string('x', 1601) + "\"}", 422, "INVALID_VALUE" },
        { "POST", "/api/sandbox/inbound", "", 400, "EMPTY_BODY" },
        { "GET", "/api/inbound?pageSize=0", "", 400, "INVALID_PAGE_SIZE" },
        { "GET", "/api/inbound?since=yesterday", "", 400, "INVALID_DATE" },
        { "GET", "/api/inbound?continuationToken=%25%25", "", 400, "INVALID_CONTINUATION_TOKEN" },
        { "GET", "/api/inbound/nope", "", 404, "INBOUND_NOT_FOUND" },
        { "GET", "/api/inbound/0123456789abcdef01234567/callbacks", "", 404, "INBOUND_NOT_FOUND" },
        { "GET", "/api/opt-outs?pageSize=abc", "", 400, "INVALID_PAGE_SIZE" },
        { "POST", "/api/opt-outs", "{}", 422, "FIELD_REQUIRED" },
        { "POST", "/api/opt-outs", "{\"numbers\":\"+393470000003\"}", 400, "WRONG_TYPE" },
        { "POST", "/api/opt-outs", "{\"numbers\":[]}", 422, "FIELD_REQUIRED" },
        { "POST", "/api/opt-outs", "{\"numbers\":[1]}", 400, "WRONG_TYPE" },
        { "POST", "/api/opt-outs", "{\"numbers\":[\"+393470000003\",\"12\"]}", 422, "INVALID_NUMBER" },
        { "DELETE", "/api/opt-outs/12", "", 400, "MISSING_COUNTRY_PREFIX" },
        { "DELETE", "/api/opt-outs/%2B393470000004", "", 404, "OPT_OUT_NOT_FOUND" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInputOnEveryNewEndpointIsAProblemAndChangesNothing(string method, string path, string body, int status, string code)
    {
        var (customer, number) = await TwoWayCustomerAsync();
        var admin = path.StartsWith("/api/accounts/", StringComparison.Ordinal);
        var client = admin ? app.Admin : customer.Client;
        var url = path.Replace("{account}", customer.AccountId, StringComparison.Ordinal);
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(url, UriKind.Relative))
        {
            Content = method is "GET" or "DELETE" ? null : new StringContent(body.Replace("{number}", number, StringComparison.Ordinal), Encoding.UTF8, "application/json"),
        };
        using var response = await client.SendAsync(request, TestCancellation.Token);
        var problem = await Problem.ReadAsync(response);
        Assert.True((int)problem.Status == status, $"{method} {path} {body}: expected {status} {code}, got {(int)problem.Status} {problem.Text}");
        Assert.Contains(problem.Errors, e => e.Code == code);

        // Nothing changed: no inbound message, no opt-out, the account's settings as they were.
        Assert.Empty(await DataArrayAsync(await customer.Client.GetAsync(new Uri("/api/inbound", UriKind.Relative), TestCancellation.Token)));
        Assert.Empty(await DataArrayAsync(await customer.Client.GetAsync(new Uri("/api/opt-outs", UriKind.Relative), TestCancellation.Token)));
        using var account = await customer.Client.GetAsync(new Uri("/api/account", UriKind.Relative), TestCancellation.Token);
        var data = await SmsAppFixture.DataAsync(account);
        Assert.Null(data["inboundCallback"]);
        Assert.Null(data["stopReply"]);
        Assert.Equal(number, Assert.Single(data["numbers"]!.AsArray())!.GetValue<string>());
    }

    private async Task<(Customer Customer, string Number)> TwoWayCustomerAsync()
    {
        var customer = await app.CreateCustomerAsync(scopes: TwoWayScopes);
        var number = Number();
        using var added = await AssignAsync(customer.AccountId, number);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        return (customer, number);
    }

    private Task<HttpResponseMessage> AssignAsync(string accountId, string number)
        => app.Admin.PostAsJsonAsync($"/api/accounts/{accountId}/numbers", new { number }, TestCancellation.Token);

    private static async Task<JsonObject> InjectAsync(HttpClient client, string from, string to, string text, string? id = null)
    {
        using var response = await client.PostAsJsonAsync("/api/sandbox/inbound", new { from, to, text, id }, TestCancellation.Token);
        return await SmsAppFixture.DataAsync(response);
    }

    private static async Task<JsonArray> DataArrayAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(TestCancellation.Token);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} from {response.RequestMessage?.RequestUri}: {text}");
            return JsonNode.Parse(text)!["data"]!.AsArray();
        }
    }
}
