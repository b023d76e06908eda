using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Storage.Scheduling;

namespace SmsFunctions.App.Tests.Api;

/// <summary>Transactions (PUT), scheduling and rescheduling, cancellation.</summary>
[Collection(ApiCollection.Name)]
public sealed class MessageLifecycleTests(SmsAppFixture app)
{
    private static readonly string[] Added = ["+39-3331234568", "+39-3331234569", Numbers.SeedHyphenated, "bogus"];
    private static readonly string[] Late = ["+39-3331234560"];

    private static CancellationToken Ct => TestCancellation.Token;

    private ScheduleIndex Schedule => app.Services.GetRequiredServiceFor<ScheduleIndex>();

    private static async Task<JsonObject> PutAsync(Customer customer, string id, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await customer.Client.PutAsJsonAsync($"/api/messages/{id}", body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    [Fact]
    public async Task ATransactionIsADraftUntilClosedAndChargesRecipientsAsTheyAreAdded()
    {
        var customer = await app.CreateCustomerAsync(1m);
        var draft = await customer.SendOkAsync(new { sender = "alberto", body = "test invio", recipients = Numbers.SeedHyphenated, options = new { transaction = true } });
        var id = draft["id"]!.GetValue<string>();
        Assert.Equal("DRAFT", draft["state"]!.GetValue<string>());
        Assert.Equal(0.95m, await customer.CreditAsync());
        Assert.DoesNotContain(await Schedule.QueryDueAsync(DateTimeOffset.UtcNow.AddDays(40), 10_000, Ct), r => r.MessageId == id);

        var added = await PutAsync(customer, id, new { recipients = Added });
        Assert.Equal("DRAFT", added["data"]!["state"]!.GetValue<string>());
        Assert.Equal(3, added["data"]!["recipients"]!.GetValue<int>());
        Assert.Equal(1, added["data"]!["invalidRecipientCount"]!.GetValue<int>());
        Assert.Equal(0.85m, await customer.CreditAsync());

        var closed = await PutAsync(customer, id, new { transaction = false });
        Assert.Equal("QUEUED", closed["data"]!["state"]!.GetValue<string>());
        Assert.Equal(3, closed["data"]!["recipientStates"]!["QUEUED"]!.GetValue<int>());
        var problem = await PutAsync(customer, id, new { recipients = Late }, HttpStatusCode.Conflict);
        Assert.Equal("MESSAGE_NOT_EDITABLE", problem["code"]!.GetValue<string>());
        Assert.Equal(0.85m, await customer.CreditAsync());
    }

    [Fact]
    public async Task ADraftCanBeGivenAScheduleAndClosesIntoScheduledWithAScheduleRow()
    {
        var customer = await app.CreateCustomerAsync(1m);
        var id = (await customer.SendOkAsync(new { sender = "alberto", body = "x", recipients = Numbers.Seed, options = new { transaction = true } }))["id"]!.GetValue<string>();
        var at = DateTimeOffset.UtcNow.AddDays(2);
        await PutAsync(customer, id, new { timestamp_send = at.ToString("O") });
        var closed = await PutAsync(customer, id, new { transaction = false });
        Assert.Equal("SCHEDULED", closed["data"]!["state"]!.GetValue<string>());
        Assert.NotNull(await Schedule.GetAsync(id, at, Ct));
    }

    [Fact]
    public async Task ReschedulingMovesTheScheduleRow()
    {
        var customer = await app.CreateCustomerAsync(1m);
        var first = DateTimeOffset.UtcNow.AddHours(3);
        var second = DateTimeOffset.UtcNow.AddDays(3);
        var id = (await customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Seed, body = "x", scheduledAt = first }))["id"]!.GetValue<string>();
        Assert.NotNull(await Schedule.GetAsync(id, first, Ct));

        var moved = await PutAsync(customer, id, new { scheduledAt = second });
        Assert.Equal("SCHEDULED", moved["data"]!["state"]!.GetValue<string>());
        Assert.Null(await Schedule.GetAsync(id, first, Ct));
        Assert.NotNull(await Schedule.GetAsync(id, second, Ct));
        var due = await Schedule.QueryDueAsync(second.AddMinutes(1), 10_000, Ct);
        Assert.Single(due, r => r.MessageId == id);
        Assert.DoesNotContain(await Schedule.QueryDueAsync(first.AddMinutes(1), 10_000, Ct), r => r.MessageId == id);
    }

    [Fact]
    public async Task AQueuedMessageCannotBeRescheduled()
    {
        var customer = await app.CreateCustomerAsync(1m);
        var id = (await customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Seed, body = "now" }))["id"]!.GetValue<string>();
        var problem = await PutAsync(customer, id, new { scheduledAt = DateTimeOffset.UtcNow.AddDays(1) }, HttpStatusCode.Conflict);
        Assert.Equal("MESSAGE_NOT_EDITABLE", problem["code"]!.GetValue<string>());
        Assert.Contains("QUEUED", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelingAScheduledMessageCancelsEveryRecipientRemovesItsRowAndDoesNotRefund()
    {
        var customer = await app.CreateCustomerAsync(1m);
        var at = DateTimeOffset.UtcNow.AddHours(5);
        var id = (await customer.SendOkAsync(new { sender = "MyCompany", recipients = Numbers.Mobiles(3), body = "x", scheduledAt = at }))["id"]!.GetValue<string>();
        using var response = await customer.Client.DeleteAsync(new Uri($"/api/messages/{id}", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal($"{id} Deleted", body["message"]!.GetValue<string>());
        Assert.Equal(3, body["canceled"]!.GetValue<int>());
        Assert.Equal(Numbers.Mobiles(3).Order(StringComparer.Ordinal), body["data"]!.AsArray().Select(n => n!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Null(await Schedule.GetAsync(id, at, Ct));
        Assert.Equal("CANCELED", (await customer.GetMessageAsync(id))["state"]!.GetValue<string>());
        Assert.Equal(0.85m, await customer.CreditAsync());

        using var again = await customer.Client.DeleteAsync(new Uri($"/api/messages/{id}", UriKind.Relative), Ct);
        Assert.Equal("MESSAGE_NOT_CANCELABLE", (await Problem.ReadAsync(again)).Code);
    }

    [Fact]
    public async Task CancelingLeavesRecipientsAlreadyHandedToACarrierAndReportsThem()
    {
        var customer = await app.CreateCustomerAsync(1m);
        var id = (await customer.SendOkAsync(new { sender = "MyCompany", recipients = Numbers.Mobiles(2), body = "x" }))["id"]!.GetValue<string>();
        // Play the dispatcher: one recipient was submitted to a carrier.
        var recipients = app.Services.GetRequiredServiceFor<Storage.Messages.RecipientStore>();
        var sent = (await recipients.GetAsync(id, Numbers.Mobile(0), Ct))!;
        sent.State = "SENT";
        Assert.True(await recipients.TryReplaceAsync(sent, Ct));

        using var response = await customer.Client.DeleteAsync(new Uri($"/api/messages/{id}", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal([Numbers.Mobile(1)], data["data"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(1, data["canceled"]!.GetValue<int>());
        Assert.Equal(1, data["notCanceled"]!.GetValue<int>());
        Assert.Equal(Numbers.Mobile(0), data["notCanceledRecipients"]![0]!["number"]!.GetValue<string>());
        Assert.Equal("SENT", (await recipients.GetAsync(id, Numbers.Mobile(0), Ct))!.State);
        Assert.Equal("CANCELED", (await recipients.GetAsync(id, Numbers.Mobile(1), Ct))!.State);
    }

    [Fact]
    public async Task ADraftCanBeCanceled()
    {
        var customer = await app.CreateCustomerAsync(1m);
        var id = (await customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Seed, body = "x", options = new { transaction = true } }))["id"]!.GetValue<string>();
        using var response = await customer.Client.DeleteAsync(new Uri($"/api/messages/{id}", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await PutAsync(customer, id, new { transaction = false }, HttpStatusCode.Conflict);
    }
}
