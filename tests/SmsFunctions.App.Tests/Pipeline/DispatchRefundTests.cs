using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.App.Pipeline;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Carriers.Sandbox;
using SmsFunctions.Queues;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Tests.Pipeline;

/// <summary>
/// A recipient the carrier refused for good never reached the network: its charge comes back with one ledger line
/// (change id <c>refund:{messageId}:{number}</c>), recorded on the recipient, and a redelivered dispatch message
/// does not pay it twice. Against Azurite, through the sandbox carrier.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DispatchRefundTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task ARecipientRefusedByTheCarrierIsRefundedOnceWithALedgerLine()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var sent = await customer.SendOkAsync(new { sender = "Refund", recipients = new[] { SandboxNumbers.RejectedAtSubmit }, body = "Refused at submit" });
        var id = sent["id"]!.GetValue<string>();
        var charged = await customer.CreditAsync();
        Assert.True(charged < 10m);

        var handler = ActivatorUtilities.CreateInstance<DispatchHandler>(app.Services);
        var body = new DispatchWork(1, [new DispatchItem(customer.AccountId, id)]).ToJson();
        await handler.HandleAsync(new ReceivedQueueMessage(QueueNames.DispatchNormal, "q-refund", body, 1, "r1", DateTimeOffset.UtcNow), Ct);
        await handler.HandleAsync(new ReceivedQueueMessage(QueueNames.DispatchNormal, "q-refund", body, 2, "r2", DateTimeOffset.UtcNow), Ct); // redelivered

        var row = await app.Services.GetRequiredService<RecipientStore>().GetAsync(id, SandboxNumbers.RejectedAtSubmit, Ct);
        Assert.Equal(("REJECTED", "Paid"), (row!.State, row.Refund));
        Assert.NotNull(row.RefundedAt);
        Assert.False(row.OutcomeUnknown);
        Assert.Equal(10m, await customer.CreditAsync());
        var refunds = (await app.Services.GetRequiredService<CreditLedger>().ListAsync(customer.AccountId, cancellationToken: Ct))
            .Where(e => e.Kind == LedgerKinds.Refund).ToList();
        var line = Assert.Single(refunds);
        Assert.Equal(id, line.MessageId);
        Assert.Equal(10m - charged, decimal.Parse(line.Amount, System.Globalization.CultureInfo.InvariantCulture));

        // The recipient view says so.
        using var viewed = await customer.Client.GetAsync(new Uri($"/api/messages/{id}/recipients/{Uri.EscapeDataString(SandboxNumbers.RejectedAtSubmit)}", UriKind.Relative), Ct);
        var recipient = await SmsAppFixture.DataAsync(viewed);
        Assert.Equal("PAID", recipient["refund"]!.GetValue<string>());
        Assert.False(recipient["outcomeUnknown"]!.GetValue<bool>());
    }
}
