using SmsFunctions.Testing;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>
/// The per-host webhook limit as the gateway runs it: a slow receiver never has more than its share of requests
/// open, the deliveries that found it busy go out later, and none is lost or doubled. Own Azurite (queue names are
/// fixed, so no other gateway may drain these queues).
/// </summary>
public sealed class CallbackHostLimitTests : OwnAzuriteAndReceiver
{
    [Fact]
    public async Task ASlowReceiverGetsAtMostItsShareOfRequestsAndEveryCallbackStillArrivesOnce()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sms:Storage:ConnectionString"] = Azurite.ConnectionString,
            ["Sms:Storage:TablePrefix"] = Azurite.UniqueName("hl"),
            ["Sms:Routing:DefaultCarrier"] = "Sandbox",
            ["Sms:Callbacks:MaxConcurrentPerHost"] = "1",
            ["Sms:Callbacks:HostBusyDelaySeconds"] = "0.3",
        }, cancellationToken: Ct);
        var customer = await gateway.CreateCustomerAsync(cancellationToken: Ct);
        Hooks.ResponseDelay = TimeSpan.FromMilliseconds(400);
        var hook = new Uri(Hooks.BaseUrl, "slow/" + Guid.NewGuid().ToString("N"));
        var numbers = Enumerable.Range(0, 4).Select(_ => Numbers.Italian()).ToArray();

        // One message, four recipients: their DELIVERED events reach the handler together, all for the same host.
        await customer.SendAsync(new
        {
            sender = "Sandbox",
            recipients = numbers,
            body = "One at a time, please",
            callback = new { url = hook.ToString(), method = "JSON", field = "data" },
        }, Ct);

        var delivered = await Hooks.WaitForAsync(r => r.Path == hook.AbsolutePath, numbers.Length, TimeSpan.FromSeconds(60), Ct);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct); // a doubled one, if any, has arrived by now
        Assert.Equal(1, Hooks.MostInFlight);
        Assert.Equal(numbers.Length, Hooks.Requests.Count(r => r.Path == hook.AbsolutePath));
        Assert.Equal(numbers.Order(StringComparer.Ordinal), delivered.Select(r => System.Text.Json.Nodes.JsonNode.Parse(r.Body)!["data"]!["recipient"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }
}
