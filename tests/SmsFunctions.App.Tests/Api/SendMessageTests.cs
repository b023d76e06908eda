using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SmsFunctions.App.Api.OpenApi;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class SendMessageTests(SmsAppFixture app)
{
    private static readonly string[] Seed002Fields =
    [
        "id", "username", "state", "sender", "recipient", "recipients", "internationalPrefix", "countryCode", "message", "encoding",
        "charactersCount", "messageCount", "price", "totalPrice", "blocklisted", "blocklistedReason", "options", "callback",
        "createdAt", "updatedAt", "sentAt", "deliveredAt", "invalidRecipients", "recipientStates", "recipientSummary",
    ];

    [Fact]
    public async Task Seed002RequestIsAcceptedUnchangedWithTheFullMessageObject()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var response = await customer.PostJsonAsync("/api/messages", SeedExamples.Seed002);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestCancellation.Token))!.AsObject();
        Assert.True(body["success"]!.GetValue<bool>());
        Assert.Equal("Message Queued", body["message"]!.GetValue<string>());
        Assert.Null(body["error"]);
        var data = body["data"]!.AsArray().Single()!.AsObject();
        foreach (var field in Seed002Fields)
        {
            Assert.True(data.ContainsKey(field), $"missing {field}");
        }

        Assert.Equal("QUEUED", data["state"]!.GetValue<string>());
        Assert.Equal("MyCompany", data["sender"]!.GetValue<string>());
        Assert.Equal(Numbers.Seed, data["recipient"]!.GetValue<string>());
        Assert.Equal(1, data["recipients"]!.GetValue<int>());
        Assert.Equal("39", data["internationalPrefix"]!.GetValue<string>());
        Assert.Equal("IT", data["countryCode"]!.GetValue<string>());
        Assert.Equal("Hello! This is a test message.", data["message"]!.GetValue<string>());
        Assert.Equal("GSM-7", data["encoding"]!.GetValue<string>());
        Assert.Equal(30, data["charactersCount"]!.GetValue<int>());
        Assert.Equal(1, data["messageCount"]!.GetValue<int>());
        Assert.Equal(0.05m, data["price"]!.GetValue<decimal>());
        Assert.Equal(0.05m, data["totalPrice"]!.GetValue<decimal>());
        Assert.False(data["blocklisted"]!.GetValue<bool>());
        Assert.Equal("JSON", data["callback"]!["method"]!.GetValue<string>());
        Assert.Equal("https://www.mysite.com/myEndpoint", data["callback"]!["url"]!.GetValue<string>());
        Assert.Equal(3, data["callback"]!["retry"]!.GetValue<int>());
        Assert.Equal("[redacted]", data["callback"]!["headers"]!["session_id"]!.GetValue<string>()); // header values are the customer's secrets: names only
        Assert.Equal("123456789", data["callback"]!["custom"]!["my_custom_id"]!.GetValue<string>());
        Assert.False(data["options"]!["dryRun"]!.GetValue<bool>());
        Assert.Equal("9.95", body["credit"]!.GetValue<string>());
        Assert.Equal($"/api/messages/{data["id"]}", response.Headers.Location?.ToString());

        // Stored with its outbox row, and readable back.
        var id = data["id"]!.GetValue<string>();
        var read = await customer.GetMessageAsync(id);
        Assert.Equal("QUEUED", read["state"]!.GetValue<string>());
        Assert.Equal(9.95m, await customer.CreditAsync());
    }

    [Fact]
    public async Task Seed003RequestIsAcceptedUnchanged()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var response = await customer.PostJsonAsync("/api/messages", SeedExamples.Seed003);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var data = (await SmsAppFixture.DataAsync(response));
        Assert.Equal("alberto", data["sender"]!.GetValue<string>());
        Assert.Equal(Numbers.Seed, data["recipient"]!.GetValue<string>());
        Assert.Equal("test invio", data["message"]!.GetValue<string>());
        Assert.Equal(24, data["id"]!.GetValue<string>().Length);
    }

    [Fact]
    public async Task PersonalisedRecipientsInBothSpellingsAreAcceptedAndRenderedFieldsStored()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var data = await customer.SendOkAsync(new
        {
            sender = "MyShop",
            body = "Ciao {{nome}}",
            recipients = new object[]
            {
                new { numero = "+39-3331234567", campi = new { nome = "Simone" } },
                new { number = "+393471234567", fields = new { nome = "Giulia" } },
                "+39 12",
            },
        });
        Assert.Equal(2, data["recipients"]!.GetValue<int>());
        Assert.Equal(1, data["invalidRecipientCount"]!.GetValue<int>());
        Assert.Equal("+39 12", data["invalidRecipients"]![0]!["input"]!.GetValue<string>());
        Assert.Equal(2, data["recipientSummary"]!.AsArray().Count);
        using var recipient = await customer.Client.GetAsync(new Uri($"/api/messages/{data["id"]}/recipients/%2B39-3331234567", UriKind.Relative), TestCancellation.Token);
        var row = await SmsAppFixture.DataAsync(recipient);
        Assert.Equal("Simone", row["fields"]!["nome"]!.GetValue<string>());
        Assert.Equal("QUEUED", row["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task DryRunComputesEverythingAndStoresAndChargesNothing()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var ledgerBefore = await customer.LedgerCountAsync();
        foreach (var request in new object[]
        {
            new { sender = "MyCompany", recipient = Numbers.Seed, message = "Hello", options = new { dryRun = true } },
            new { test = true, sender = "alberto", body = "test invio", recipients = Numbers.SeedHyphenated },
        })
        {
            using var response = await customer.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var data = await SmsAppFixture.DataAsync(response);
            Assert.Null(data["id"]);
            Assert.Equal(0.05m, data["totalPrice"]!.GetValue<decimal>());
            Assert.Equal(1, data["messageCount"]!.GetValue<int>());
        }

        Assert.Equal(10m, await customer.CreditAsync());
        Assert.Equal(0, await customer.MessageCountAsync());
        Assert.Equal(ledgerBefore, await customer.LedgerCountAsync());
    }

    [Fact]
    public async Task FailOnMultipleMessagesRefusesABodyThatNeedsTwoPartsAndSaysWhichCharactersForcedUcs2()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var body = "Prenotazione confermata 😀 " + new string('a', 60);
        using var response = await customer.SendAsync(new { sender = "MyCompany", recipient = Numbers.Seed, message = body, options = new { failOnMultipleMessages = true } });
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, problem.Status);
        Assert.Equal("ALERT_MULTIPLE_MESSAGES", problem.Code);
        Assert.Equal("body", problem.Field);
        Assert.Contains("😀", problem.Body["detail"]!.GetValue<string>());
        Assert.Equal("😀", problem.Body["nonGsmCharacters"]![0]!.GetValue<string>());
        Assert.Equal(10m, await customer.CreditAsync());
        Assert.Equal(0, await customer.MessageCountAsync());
    }

    [Fact]
    public async Task InsufficientCreditIsA402WithTheAmountNeeded()
    {
        var customer = await app.CreateCustomerAsync(0.12m);
        using var response = await customer.SendAsync(new { sender = "MyCompany", recipients = Numbers.Mobiles(3), body = "Hi" });
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.PaymentRequired, problem.Status);
        Assert.Equal("INSUFFICIENT_CREDIT", problem.Code);
        Assert.Equal(0.15m, problem.Body["required"]!.GetValue<decimal>());
        Assert.Equal(0.03m, problem.Body["shortfall"]!.GetValue<decimal>());
        Assert.Equal(0.12m, await customer.CreditAsync());
        Assert.Equal(0, await customer.MessageCountAsync());
    }

    [Fact]
    public async Task ConcurrentSendsRacingForTheLastCreditNeverOverdraw()
    {
        var customer = await app.CreateCustomerAsync(0.25m); // five messages at 0.05
        var sends = Enumerable.Range(0, 20).Select(async i =>
        {
            using var response = await customer.SendAsync(new { sender = "MyCompany", recipient = Numbers.Mobile(i), body = "race" });
            return response.StatusCode;
        });
        var statuses = await Task.WhenAll(sends);
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(15, statuses.Count(s => s == HttpStatusCode.PaymentRequired));
        Assert.Equal(0m, await customer.CreditAsync());
        Assert.Equal(5, await customer.MessageCountAsync());

        using var ledger = await app.Admin.GetAsync(new Uri($"/api/accounts/{customer.AccountId}/ledger", UriKind.Relative), TestCancellation.Token);
        var entries = JsonNode.Parse(await ledger.Content.ReadAsStringAsync(TestCancellation.Token))!["data"]!.AsArray();
        var charges = entries.Where(e => e!["kind"]!.GetValue<string>() == "charge").ToList();
        Assert.Equal(5, charges.Count);
        Assert.All(entries, e => Assert.True(e!["balanceAfter"]!.GetValue<decimal>() >= 0));
        Assert.Equal(0m, entries.Sum(e => e!["amount"]!.GetValue<decimal>()));
        var balances = entries.Select(e => e!["balanceAfter"]!.GetValue<decimal>()).Order().ToList();
        Assert.Equal([0m, 0.05m, 0.10m, 0.15m, 0.20m, 0.25m], balances);
        Assert.Equal(0.25m, entries.Where(e => e!["kind"]!.GetValue<string>() == "topup").Sum(e => e!["amount"]!.GetValue<decimal>()));
        Assert.Equal(-0.25m, charges.Sum(e => e!["amount"]!.GetValue<decimal>()));
    }

    [Fact]
    public async Task ScheduledSendGetsAScheduleRowAtItsDueMinute()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var at = DateTimeOffset.UtcNow.AddHours(2);
        var data = await customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Seed, body = "later", timestamp_send = at.ToString("O") });
        Assert.Equal("SCHEDULED", data["state"]!.GetValue<string>());
        var id = data["id"]!.GetValue<string>();
        var schedule = app.Services.GetRequiredServiceFor<Storage.Scheduling.ScheduleIndex>();
        Assert.NotNull(await schedule.GetAsync(id, at, TestCancellation.Token));
    }
}
