using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.App.Tests.Triggers.Fakes;
using SmsFunctions.App.Triggers;
using SmsFunctions.Queues;
using SmsFunctions.Queues.DeadLetters;

namespace SmsFunctions.App.Tests.Triggers;

/// <summary>The local runtime over the real Storage-queue adapter (Azurite): a message that keeps failing is retried
/// after the backoff, given up on at MaxDeliveryCount, recorded in <c>{queue}-poison</c>, and a replay puts it back
/// with a fresh count, where it is handled.</summary>
[Collection(ApiCollection.Name)]
public sealed class DeadLetterEndToEndTests(SmsAppFixture app)
{
    [Fact]
    public async Task AMessageFailingEveryDeliveryIsDeadLetteredAndAReplayRunsItAgain()
    {
        var queue = app.Azurite.UniqueName("e2e");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sms:Storage:ConnectionString"] = app.Azurite.ConnectionString,
            ["Sms:Runtime:MaxDeliveryCount"] = "2",
            ["Sms:Runtime:IdlePollMinMilliseconds"] = "20",
            ["Sms:Runtime:IdlePollMaxMilliseconds"] = "200",
        }).Build();
        var script = new QueueHandlerScript();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(script);
        services.AddQueueTransport(configuration);
        services.AddTriggerRuntime(configuration);
        services.AddQueueFunction<ScriptedQueueHandler>("E2E", queue);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        var hosted = provider.GetServices<IHostedService>().ToList();
        var broken = true;
        script.OnHandle = (_, _) => broken ? throw new InvalidOperationException("always broken") : Task.FromResult(QueueHandlingResult.Completed);

        await provider.GetRequiredService<IQueueSender>().SendAsync(queue, new OutgoingQueueMessage("e2e-1", """{"k":1}"""), TestCancellation.Token);
        foreach (var service in hosted) { await service.StartAsync(TestCancellation.Token); }
        try
        {
            // Delivery 1 fails (retried after RetryBackoff's 2 s), delivery 2 is the last allowed: poisoned.
            var (poisoned, _) = await LocalRuntimeHarness.ReadAsync(script.Poisoned.Reader);
            Assert.Equal(("e2e-1", 2), (poisoned.Id, poisoned.DeliveryCount));
            var monitor = provider.GetRequiredService<DeadLetterMonitor>();
            Assert.Equal(1, await WaitForCountAsync(monitor, queue, 1));
            var letter = Assert.Single(await monitor.PeekAsync(queue, null, 10, TestCancellation.Token));
            Assert.Contains("always broken", letter.Reason, StringComparison.Ordinal);

            broken = false;
            var replay = await monitor.ReplayAsync(queue, null, 10, TestCancellation.Token);

            Assert.Equal(new DeadLetterReplay(1, 0), replay);
            ReceivedQueueMessage handled;
            do { handled = await LocalRuntimeHarness.ReadAsync(script.Handled.Reader); } while (handled.Id == "e2e-1");
            Assert.StartsWith("e2e-1~d", handled.Id, StringComparison.Ordinal);
            Assert.Equal(("""{"k":1}""", 1), (handled.Body, handled.DeliveryCount));
            Assert.Equal(0, await WaitForCountAsync(monitor, queue, 0));
        }
        finally
        {
            foreach (var service in hosted) { await service.StopAsync(TestCancellation.Token); }
        }
    }

    /// <summary>The record is written just before the message is completed: wait (bounded) for the expected count.</summary>
    private static async Task<int?> WaitForCountAsync(DeadLetterMonitor monitor, string queue, int expected)
    {
        int? count = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(50, TestCancellation.Token))
        {
            count = (await monitor.CountAsync(TestCancellation.Token))[queue][DeadLetterSources.Poison];
            if (count == expected) { break; }
        }
        return count;
    }
}
