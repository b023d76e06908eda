using System.Net;
using System.Text.Json.Nodes;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class ReadMessagesTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    private static async Task<JsonObject> GetAsync(Customer customer, string path)
    {
        using var response = await customer.Client.GetAsync(new Uri(path, UriKind.Relative), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    [Fact]
    public async Task TheListIsNewestFirstPagedWithAnOpaqueTokenAndSaysHowManyResults()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Mobile(i), body = $"m{i}" }))["id"]!.GetValue<string>());
        }

        var all = await GetAsync(customer, "/api/messages");
        Assert.Equal("5 Results", all["message"]!.GetValue<string>());
        Assert.True(all["success"]!.GetValue<bool>());
        Assert.NotNull(all["credit"]);
        Assert.Equal(Enumerable.Reverse(ids), all["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await GetAsync(customer, "/api/messages?pageSize=2" + (token is null ? string.Empty : "&continuationToken=" + Uri.EscapeDataString(token)));
            seen.AddRange(page["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
            token = page["continuationToken"]?.GetValue<string>();
            pages++;
        }
        while (token is not null && pages < 10);

        Assert.Equal(Enumerable.Reverse(ids), seen);
        Assert.InRange(pages, 3, 4);
    }

    [Fact]
    public async Task FiltersByStateAndCreatedDates()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var queued = (await customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Seed, body = "now" }))["id"]!.GetValue<string>();
        var scheduled = (await customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Seed, body = "later", scheduledAt = DateTimeOffset.UtcNow.AddDays(1) }))["id"]!.GetValue<string>();
        var after = DateTimeOffset.UtcNow.AddSeconds(1);

        var onlyScheduled = await GetAsync(customer, "/api/messages?state=SCHEDULED");
        Assert.Equal([scheduled], onlyScheduled["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        var inRange = await GetAsync(customer, $"/api/messages?from={Uri.EscapeDataString(before.ToString("O"))}&to={Uri.EscapeDataString(after.ToString("O"))}");
        Assert.Equal(2, inRange["data"]!.AsArray().Count);
        var future = await GetAsync(customer, $"/api/messages?from={Uri.EscapeDataString(after.ToString("O"))}");
        Assert.Empty(future["data"]!.AsArray());
        var past = await GetAsync(customer, $"/api/messages?to={Uri.EscapeDataString(before.ToString("O"))}");
        Assert.Empty(past["data"]!.AsArray());
        Assert.Contains(queued, (await GetAsync(customer, "/api/messages?state=queued"))["data"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecipientsArePagedAndFoundByNumberInEveryAcceptedSpelling()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var id = (await customer.SendOkAsync(new { sender = "MyCompany", recipients = Numbers.Mobiles(5), body = "x" }))["id"]!.GetValue<string>();
        var page = await GetAsync(customer, $"/api/messages/{id}/recipients?pageSize=3");
        Assert.Equal(3, page["data"]!.AsArray().Count);
        Assert.NotNull(page["continuationToken"]);
        var rest = await GetAsync(customer, $"/api/messages/{id}/recipients?pageSize=3&continuationToken={Uri.EscapeDataString(page["continuationToken"]!.GetValue<string>())}");
        Assert.Equal(2, rest["data"]!.AsArray().Count);

        var number = Numbers.Mobile(3); // +393330000003
        foreach (var spelling in new[] { "%2B393330000003", "%2B39-3330000003", "+39-3330000003", "%20393330000003" })
        {
            var one = await GetAsync(customer, $"/api/messages/{id}/recipients/{spelling}");
            Assert.Equal(number, one["data"]!.AsArray().Single()!["number"]!.GetValue<string>());
            Assert.Equal("1 Result", one["message"]!.GetValue<string>());
        }

        using var missing = await customer.Client.GetAsync(new Uri($"/api/messages/{id}/recipients/%2B393339999999", UriKind.Relative), Ct);
        Assert.Equal("RECIPIENT_NOT_FOUND", (await Problem.ReadAsync(missing)).Code);
    }

    [Fact]
    public async Task OneMessageRollsItsStateUpFromItsRecipients()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var id = (await customer.SendOkAsync(new { sender = "MyCompany", recipients = Numbers.Mobiles(2), body = "x" }))["id"]!.GetValue<string>();
        var recipients = app.Services.GetRequiredServiceFor<Storage.Messages.RecipientStore>();
        var row = (await recipients.GetAsync(id, Numbers.Mobile(0), Ct))!;
        row.State = "DELIVERED";
        Assert.True(await recipients.TryReplaceAsync(row, Ct));
        var message = await customer.GetMessageAsync(id);
        Assert.Equal("SENDING", message["state"]!.GetValue<string>());
        Assert.Equal(1, message["recipientStates"]!["DELIVERED"]!.GetValue<int>());
    }
}
