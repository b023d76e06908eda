using System.Net;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Api.Messages;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Storage.Messages;
using static SmsFunctions.App.Tests.Contracts.Envelope;

namespace SmsFunctions.App.Tests.Contracts;

/// <summary>One date format everywhere, as the "SMS Worldwide" document writes it: <c>2026-01-28T11:21:20.127Z</c>.</summary>
[Collection(ApiCollection.Name)]
public sealed class DateFormatTests(SmsAppFixture app)
{
    [Fact]
    public async Task AnswersWriteDatesInUtcWithMillisecondsAndZ()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var at = DateTimeOffset.UtcNow.AddHours(2).ToOffset(TimeSpan.FromHours(5));
        using var response = await customer.PostJsonAsync("/api/messages", $$"""{"sender":"alberto","body":"x","recipients":"+39-3491234518","scheduledAt":"{{at:O}}"}""");
        var message = Object(Assert.Single(Array(Success(await ReadAsync(response, HttpStatusCode.Created), "Message Queued"))));
        foreach (var name in new[] { "createdAt", "updatedAt", "scheduledAt", "timestamp_send" })
        {
            Timestamp(message[name], name);
        }

        Assert.Equal(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture), String(message["scheduledAt"]));

        using var account = await app.Admin.GetAsync(new Uri($"/api/accounts/{customer.AccountId}", UriKind.Relative), TestCancellation.Token);
        var body = await ReadAsync(account, HttpStatusCode.OK);
        Timestamp(body["data"]!["createdAt"], "account createdAt");
    }

    [Fact]
    public void InboundWebhookPayloadsWriteDatesInTheSameFormat()
    {
        var at = new DateTimeOffset(2026, 1, 28, 12, 21, 20, TimeSpan.FromHours(1)).AddTicks(1_274_321);
        var inbound = new SmsFunctions.Storage.Inbound.InboundMessageEntity { RowKey = "in1", From = "+393331234567", To = "+393330001000", Text = "hi", ReceivedAt = at, SentAt = at };
        var view = SmsFunctions.App.Inbound.InboundMessageView.Of(inbound).ToJson();
        foreach (var name in new[] { "receivedAt", "sentAt" })
        {
            Assert.Equal("2026-01-28T11:21:20.127Z", view[name]!.GetValue<string>());
        }
    }

    [Fact]
    public void WebhookPayloadsWriteDatesInTheSameFormat()
    {
        var created = new DateTimeOffset(2026, 1, 28, 12, 21, 20, TimeSpan.FromHours(1)).AddTicks(1_274_321);
        var message = new MessageEntity { RowKey = "0123456789abcdef01234567", Body = "hi", CreatedAt = created, UpdatedAt = created, SentAt = created, DeliveredAt = created };
        var view = ApiJson.ToNode(MessageViews.ForRecipient(message, null, "DELIVERED"));
        foreach (var name in new[] { "createdAt", "updatedAt", "sentAt", "deliveredAt" })
        {
            Timestamp(view[name], name);
            Assert.Equal("2026-01-28T11:21:20.127Z", view[name]!.GetValue<string>());
        }
    }
}
