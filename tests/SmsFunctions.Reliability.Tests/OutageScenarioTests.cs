using SmsFunctions.Testing.Kannel;

namespace SmsFunctions.Reliability.Tests;

/// <summary>
/// Scenario d: the customer's webhook receiver down for a while and back, and Kannel (bearerbox, smsbox and
/// fakesmsc) stopped and restarted, each during a load of keyed single sends. Nothing is killed and storage is
/// healthy, so a duplicate webhook is a fault here.
/// </summary>
[Collection(nameof(ReliabilityCollection))]
public sealed class OutageScenarioTests(ReliabilityFixture fixture)
{
    private const int Messages = 150;

    [Fact]
    public async Task AWebhookReceiverOutageDelaysCallbacksButLosesAndDuplicatesNone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await FaultScenario.StartAsync("d. webhook receiver down 6 s", fixture, kannel: false, faultProxy: false, cancellationToken: ct);
        var down = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var load = Load.SendAsync(scenario, Messages, clients: 4, TimeSpan.FromSeconds(20), n => { if (n >= Messages / 4) { down.TrySetResult(); } }, ct);

        await down.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
        await scenario.StopReceiverAsync();
        await Task.Delay(TimeSpan.FromSeconds(6), ct); // the outage
        await scenario.StartReceiverAsync(ct);
        var sends = await load;

        var report = await scenario.CheckAsync(sends, null, TimeSpan.FromSeconds(60), cancellationToken: ct);
        Assert.Contains(scenario.Webhooks(), w => w.AnsweredStatus == 200); // the receiver did get traffic
        Assert.True(report.Holds, report.ToString());
    }

    // Was quarantined: about 1 of 150 recipients that reached fakesmsc while Kannel was being stopped was recorded
    // FAILED NO_CARRIER_ACCEPTED and refunded. Cause: .NET re-sends a request whose kept-alive connection closes
    // unanswered, and the re-send's "connection refused" read as "never reached Kannel" (SendOnce now forbids the
    // re-send and reports such a submit as unknown). Also two DELIVERED webhooks were lost when smsbox hung up on a
    // receipt mid-apply (the receipt endpoint no longer passes the request's token).
    [Fact]
    public async Task AKannelOutageNeitherLosesNorDuplicatesAndRefundsWhatNeverReachedIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var kannel = new KannelFixture { ReceiptRetries = 60 };
        await kannel.InitializeAsync();
        await using var scenario = await FaultScenario.StartAsync("d. Kannel stopped 5 s", fixture, kannel: true, faultProxy: false, ownKannel: kannel, cancellationToken: ct);
        var down = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var load = Load.SendAsync(scenario, Messages, clients: 4, TimeSpan.FromSeconds(20), n => { if (n >= Messages / 4) { down.TrySetResult(); } }, ct);

        await down.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
        await kannel.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(5), ct); // the outage
        await kannel.RestartAsync();
        var sends = await load;

        var report = await scenario.CheckAsync(sends, null, TimeSpan.FromSeconds(60), carrierLostReceipts: true, cancellationToken: ct);
        Assert.True(report.CarrierSubmissions > 0, "nothing reached Kannel");
        Assert.True(report.Holds, report.ToString());
    }
}
