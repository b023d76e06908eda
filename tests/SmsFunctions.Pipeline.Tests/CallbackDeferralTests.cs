using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.Testing;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>
/// The deferral path of the per-host webhook limit, forced: a receiver with one or two slots, a burst of deliveries
/// and cancels of many recipients, so most callbacks find their host busy and go back on the queue (and the sandbox
/// receipts' and the cancels' intents, queued before each state change, arrive while they are deferred). Every final
/// state must reach the receiver exactly once, within a bound. Own Azurite (queue names are fixed, so no other
/// gateway may drain these queues).
/// </summary>
public sealed class CallbackDeferralTests : OwnAzuriteAndReceiver
{
    private const int Messages = 5;
    private const int RecipientsPerMessage = 6;

    /// <summary>Intents (a cancel's CANCELED, a sandbox receipt's DELIVERED) wait this long: well inside the time the
    /// burst spends deferred, so they meet deferred and waiting callbacks.</summary>
    private const double CancelReplayDelaySeconds = 2;

    private static string? Field(RecordedRequest r, string name) => JsonNode.Parse(r.Body)?["data"]?[name]?.GetValue<string>();

    /// <param name="slots">The receiver's share of open requests (<c>MaxConcurrentPerHost</c>).</param>
    /// <param name="slotWaitSeconds">How long a delivery waits for a slot before it is deferred: 0 defers at once;
    /// 4 (longer than the intents' delay) lets an intent arrive while its real callback still waits for a slot, with
    /// nothing on record yet.</param>
    [Theory]
    [InlineData(2, 0)]
    [InlineData(1, 4)]
    public async Task EveryFinalStateOfABurstToABusyHostArrivesExactlyOnce(int slots, double slotWaitSeconds)
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sms:Storage:ConnectionString"] = Azurite.ConnectionString,
            ["Sms:Storage:TablePrefix"] = Azurite.UniqueName("df"),
            ["Sms:Routing:DefaultCarrier"] = "Sandbox",
            ["Sms:Callbacks:MaxConcurrentPerHost"] = slots.ToString(CultureInfo.InvariantCulture),
            ["Sms:Callbacks:HostSlotWaitSeconds"] = slotWaitSeconds.ToString(CultureInfo.InvariantCulture),
            ["Sms:Callbacks:HostBusyDelaySeconds"] = "0.3",
            ["Sms:Callbacks:CancelReplayDelaySeconds"] = CancelReplayDelaySeconds.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken: Ct);
        var customer = await gateway.CreateCustomerAsync(cancellationToken: Ct);
        Hooks.ResponseDelay = TimeSpan.FromMilliseconds(50);
        var hook = new Uri(Hooks.BaseUrl, "busy/" + Guid.NewGuid().ToString("N"));
        var callback = new { url = hook.ToString(), method = "JSON", field = "data" };

        // The burst: messages delivered now (DELIVERED) and messages scheduled far ahead and cancelled (CANCELED), all
        // reported to the same host, sent and cancelled concurrently.
        var expected = new List<(string Recipient, string State)>();
        var sends = new List<Task<string>>();
        for (var m = 0; m < Messages; m++)
        {
            var delivered = Enumerable.Range(0, RecipientsPerMessage).Select(_ => Numbers.Italian()).ToArray();
            var canceled = Enumerable.Range(0, RecipientsPerMessage).Select(_ => Numbers.Italian()).ToArray();
            expected.AddRange(delivered.Select(n => (n, "DELIVERED")));
            expected.AddRange(canceled.Select(n => (n, "CANCELED")));
            sends.Add(customer.SendAsync(new { sender = "Sandbox", recipients = delivered, body = "Delivered in a burst", callback }, Ct));
            sends.Add(SendAndCancelAsync(customer, canceled, callback));
        }

        var ids = await Task.WhenAll(sends);

        // Every final state arrives, within a bound; then give a doubled one time to show itself (the intents wait
        // CancelReplayDelaySeconds, replays 0.5 s), also bounded.
        var arrived = await Hooks.WaitForAsync(r => r.Path == hook.AbsolutePath, expected.Count, TimeSpan.FromSeconds(90), Ct);
        await Task.Delay(TimeSpan.FromSeconds(CancelReplayDelaySeconds + slotWaitSeconds + 3), Ct);
        var all = Hooks.Requests.Where(r => r.Path == hook.AbsolutePath).Select(r => (Field(r, "recipient")!, Field(r, "state")!)).ToList();
        var doubled = all.GroupBy(x => x).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (doubled.Count > 0)
        {
            // What the gateway recorded for them (a client timeout followed by a retry, a replay, a deferred copy …).
            var attempts = gateway.Services.GetRequiredService<SmsFunctions.App.Callbacks.CallbackAttemptStore>();
            var records = new List<string>();
            foreach (var id in ids)
            {
                records.AddRange((await attempts.ListAsync(customer.AccountId, id, cancellationToken: Ct))
                    .Where(a => doubled.Contains((a.Recipient, a.Event)))
                    .Select(a => $"{a.Recipient} {a.Event} #{a.Attempt} {a.Outcome} {a.StatusCode} {a.LatencyMs} ms d{a.Deferrals} {a.Error}"));
            }

            Assert.Fail($"Callbacks received more than once: {string.Join(", ", doubled.Select(d => $"{d.Item1} {d.Item2} ×{all.Count(x => x == d)}"))}; on record: {string.Join("; ", records)}");
        }

        Assert.Equal(expected.Order(), all.Order());
        Assert.True(Hooks.MostInFlight <= slots, $"The receiver had {Hooks.MostInFlight} requests open at once; its share is {slots}.");
        Assert.Equal(expected.Count, arrived.Count);
    }

    private static async Task<string> SendAndCancelAsync(Customer customer, string[] numbers, object callback)
    {
        var id = await customer.SendAsync(new
        {
            sender = "Sandbox",
            recipients = numbers,
            body = "Cancelled in a burst",
            scheduledAt = DateTimeOffset.UtcNow.AddHours(2),
            callback,
        }, Ct);
        using var canceled = await customer.Client.DeleteAsync(new Uri($"/api/messages/{id}", UriKind.Relative), Ct);
        Assert.True(canceled.IsSuccessStatusCode, $"DELETE answered {(int)canceled.StatusCode}: {await canceled.Content.ReadAsStringAsync(Ct)}");
        return id;
    }
}
