using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.App.Pipeline;
using SmsFunctions.App.Telemetry;
using SmsFunctions.Carriers;
using SmsFunctions.Carriers.Kannel;
using SmsFunctions.Core.Encoding;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>
/// Kannel's receipts are bound to the submission attempt they were made for: through the real Kannel (fakesmsc
/// accepts and delivers, Kannel calls the dlr-url back with types 8 and 1), the receipts of an earlier attempt — or
/// forgeries made from its leaked dlr-url — never set the outcome of the recipient's latest attempt.
/// </summary>
[Collection(nameof(PipelineCollection))]
public sealed class KannelReceiptAttemptTests(PipelineFixture fixture)
{
    [Fact]
    public async Task ReceiptsOfAnEarlierAttemptAreAcknowledgedButNotApplied()
    {
        var ct = TestContext.Current.CancellationToken;
        var customer = await fixture.Gateway.CreateCustomerAsync(cancellationToken: ct);
        var number = Numbers.German();
        // Scheduled an hour ahead, so no dispatcher touches it: the test plays the dispatcher's attempts itself.
        var id = await customer.SendAsync(new { sender = "MyCompany", recipient = number, message = "Two attempts", scheduledAt = DateTimeOffset.UtcNow.AddHours(1) }, ct);
        var owner = fixture.Gateway.Services.GetRequiredService<IRecipientOwner>();
        var recipients = fixture.Gateway.Services.GetRequiredService<RecipientStore>();
        var now = DateTimeOffset.UtcNow;

        // Attempt 1 claimed it and gave it back; attempt 2 claimed it and Kannel accepted it: SENT, waiting for its receipt.
        Assert.True((await owner.ApplyAsync(id, number, new ClaimForDispatch("attempt-1", now), cancellationToken: ct)).Applied);
        Assert.True((await owner.ApplyAsync(id, number, new ReleaseClaim("attempt-1", now), cancellationToken: ct)).Applied);
        Assert.True((await owner.ApplyAsync(id, number, new ClaimForDispatch("attempt-2", now), cancellationToken: ct)).Applied);
        Assert.True((await owner.ApplyAsync(id, number, new RecordSubmit("attempt-2", SubmitVerdict.Accepted, now, KannelCarrier.CarrierName), cancellationToken: ct)).Applied);

        using var refused = new RefusedReceipts();

        // Attempt 1's dlr-url, signed with the real secret, goes through Kannel: its receipts (SENT, DELIVERED) come back.
        await SubmitThroughKannelAsync(id, number, nonce: "attempt-1", ct);
        await refused.WaitForAsync(2, TimeSpan.FromSeconds(30), ct);

        var row = await recipients.GetAsync(id, number, ct);
        Assert.Equal(("SENT", (DateTimeOffset?)null, "attempt-2"), (row!.State, row.DeliveredAt, row.ClaimId));

        // Attempt 2's own receipts are applied: the path works, only the other attempt's were refused.
        await SubmitThroughKannelAsync(id, number, nonce: "attempt-2", ct);
        await customer.WaitForRecipientStateAsync(id, number, "DELIVERED", TimeSpan.FromSeconds(30), ct);
        Assert.Equal(2, refused.Count);
    }

    private async Task SubmitThroughKannelAsync(string messageId, string number, string nonce, CancellationToken ct)
    {
        var kannel = fixture.Gateway.Services.GetRequiredService<KannelCarrier>();
        var result = await kannel.SubmitAsync(new CarrierSubmission(messageId, number, "MyCompany", "Two attempts", SmsEncoding.Gsm7, 1,
            Flash: false, ValidUntil: null, Attempt: 1, Nonce: nonce), ct);
        Assert.Equal(CarrierSubmitOutcome.Accepted, result.Outcome);
    }

    /// <summary>Counts <c>sms.receipts.refused</c> (only this test refuses receipts in this process).</summary>
    private sealed class RefusedReceipts : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _count;

        public RefusedReceipts()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SmsTelemetry.Name && instrument.Name == "sms.receipts.refused")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, (int)value));
            _listener.Start();
        }

        public int Count => Volatile.Read(ref _count);

        public async Task WaitForAsync(int count, TimeSpan timeout, CancellationToken ct)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (Count < count)
            {
                if (DateTime.UtcNow > deadline) { throw new TimeoutException($"{Count} of {count} receipts refused within {timeout}."); }
                await Task.Delay(50, ct); // Polling a counter, not synchronising the test.
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
