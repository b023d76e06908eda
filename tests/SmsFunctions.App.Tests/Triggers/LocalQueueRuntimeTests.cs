using SmsFunctions.App.Tests.Triggers.Fakes;
using SmsFunctions.App.Triggers;
using SmsFunctions.Queues;

namespace SmsFunctions.App.Tests.Triggers;

public sealed class LocalQueueRuntimeTests
{
    private static Dictionary<string, string?> OneAtATime() => new()
    {
        ["Sms:Runtime:MaxConcurrency"] = "1",
        ["Sms:Runtime:ReceiveBatchSize"] = "1",
    };

    [Fact]
    public async Task HigherBandIsDrainedFirstWithWeightedShares()
    {
        await using var harness = LocalRuntimeHarness.Create(OneAtATime());
        for (var i = 0; i < 12; i++)
        {
            harness.Queues.Enqueue(QueueNames.DispatchLow, $"low-{i}");
            harness.Queues.Enqueue(QueueNames.DispatchNormal, $"normal-{i}");
            harness.Queues.Enqueue(QueueNames.DispatchHigh, $"high-{i}");
        }

        await harness.StartAsync();
        var order = (await harness.SettlementsAsync(36)).Select(s => s.Message.QueueName).ToList();

        Assert.Equal(QueueNames.DispatchHigh, order[0]);
        var firstTen = order.Take(10).ToList();
        Assert.Equal(6, firstTen.Count(q => q == QueueNames.DispatchHigh));
        Assert.Equal(3, firstTen.Count(q => q == QueueNames.DispatchNormal));
        Assert.Equal(1, firstTen.Count(q => q == QueueNames.DispatchLow));
        Assert.True(order.LastIndexOf(QueueNames.DispatchHigh) < order.LastIndexOf(QueueNames.DispatchNormal));
        Assert.True(order.LastIndexOf(QueueNames.DispatchNormal) < order.LastIndexOf(QueueNames.DispatchLow));
    }

    [Fact]
    public async Task LowBandStillProgressesUnderAFloodedHighBand()
    {
        await using var harness = LocalRuntimeHarness.Create(OneAtATime());
        for (var i = 0; i < 1000; i++)
        {
            harness.Queues.Enqueue(QueueNames.DispatchHigh, $"high-{i}");
        }
        for (var i = 0; i < 3; i++)
        {
            harness.Queues.Enqueue(QueueNames.DispatchLow, $"low-{i}");
        }

        await harness.StartAsync();
        var highBeforeLastLow = 0;
        for (var low = 0; low < 3;)
        {
            var settlement = await harness.NextSettlementAsync();
            if (settlement.Message.QueueName == QueueNames.DispatchLow)
            {
                low++;
            }
            else
            {
                highBeforeLastLow++;
            }
        }

        // 6:1 polls between high and low (normal is empty): three low messages cost about 18 high ones, not 1000.
        Assert.InRange(highBeforeLastLow, 1, 30);
    }

    [Fact]
    public async Task ALongHandlerKeepsItsMessageInvisibleAndSettlesWithTheLatestReceipt()
    {
        await using var harness = LocalRuntimeHarness.Create(new Dictionary<string, string?> { ["Sms:Runtime:VisibilityTimeoutSeconds"] = "1" });
        harness.Script.OnHandle = async (_, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2.6), ct); // longer than two visibility timeouts
            return QueueHandlingResult.Completed;
        };
        harness.Queues.Enqueue(QueueNames.Callbacks, "slow-webhooks");

        await harness.StartAsync();
        var settlement = await harness.NextSettlementAsync();

        Assert.Equal(Settlement.Completed, settlement.Kind);
        var renewals = harness.Queues.Renewals.ToList();
        Assert.InRange(renewals.Count, 3, 10); // every half timeout
        Assert.All(renewals, r => Assert.Equal(TimeSpan.FromSeconds(1), r.Visibility));
        Assert.DoesNotContain(renewals, r => r.Message.Receipt == settlement.Message.Receipt); // completed with the receipt of the last renewal
    }

    [Fact]
    public async Task RetryAfterAbandonsWithTheRequestedDelay()
    {
        await using var harness = LocalRuntimeHarness.Create();
        harness.Script.OnHandle = (_, _) => Task.FromResult(QueueHandlingResult.RetryAfter(TimeSpan.FromSeconds(42), "carrier throttled"));
        harness.Queues.Enqueue(QueueNames.DispatchNormal, "m-1");

        await harness.StartAsync();
        var settlement = await harness.NextSettlementAsync();

        Assert.Equal(Settlement.Abandoned, settlement.Kind);
        Assert.Equal("m-1", settlement.Message.Id);
        Assert.Equal(TimeSpan.FromSeconds(42), settlement.Delay);
        Assert.Empty(harness.Queues.Sent);
    }

    [Fact]
    public async Task RetryAfterOnTheLastAllowedDeliveryIsResentFreshInsteadOfPoisoned()
    {
        await using var harness = LocalRuntimeHarness.Create(new Dictionary<string, string?> { ["Sms:Runtime:MaxDeliveryCount"] = "3" });
        harness.Script.OnHandle = (_, _) => Task.FromResult(QueueHandlingResult.RetryAfter(TimeSpan.FromMinutes(2), "webhook backoff"));
        harness.Queues.Enqueue(QueueNames.Callbacks, "cb-1", body: "{\"n\":1}", deliveryCount: 3);

        await harness.StartAsync();
        var settlement = await harness.NextSettlementAsync();

        Assert.Equal(Settlement.Completed, settlement.Kind);
        var (queue, sent) = Assert.Single(harness.Queues.Sent);
        Assert.Equal(QueueNames.Callbacks, queue);
        Assert.Equal(new OutgoingQueueMessage("cb-1~r1", "{\"n\":1}", TimeSpan.FromMinutes(2)), sent);
    }

    [Fact]
    public async Task HandlerExceptionAbandonsWithBackoffByDeliveryCount()
    {
        await using var harness = LocalRuntimeHarness.Create();
        harness.Script.OnHandle = (_, _) => throw new HttpRequestException("carrier down");
        harness.Queues.Enqueue(QueueNames.DispatchHigh, "m-3", deliveryCount: 3);

        await harness.StartAsync();
        var settlement = await harness.NextSettlementAsync();

        Assert.Equal(Settlement.Abandoned, settlement.Kind);
        Assert.Equal(TimeSpan.FromSeconds(30), settlement.Delay);
        Assert.Equal(TimeSpan.FromSeconds(30), RetryBackoff.ForDeliveryCount(3));
    }

    [Fact]
    public async Task MessageFailingUpToMaxDeliveryCountIsPoisonedThenCompleted()
    {
        await using var harness = LocalRuntimeHarness.Create(
            new Dictionary<string, string?> { ["Sms:Runtime:MaxDeliveryCount"] = "3" },
            new InMemoryQueues { RedeliverAbandoned = true });
        harness.Script.OnHandle = (_, _) => throw new InvalidOperationException("always broken");
        harness.Queues.Enqueue(QueueNames.DispatchLow, "bad");

        await harness.StartAsync();
        var settlements = await harness.SettlementsAsync(3);

        Assert.Equal([Settlement.Abandoned, Settlement.Abandoned, Settlement.Completed], settlements.Select(s => s.Kind));
        Assert.Equal([1, 2, 3], settlements.Select(s => s.Message.DeliveryCount));
        var (poisoned, reason) = await LocalRuntimeHarness.ReadAsync(harness.Script.Poisoned.Reader);
        Assert.Equal("bad", poisoned.Id);
        Assert.Equal(3, poisoned.DeliveryCount);
        Assert.Contains("always broken", reason, StringComparison.Ordinal);
        Assert.False(harness.Script.Poisoned.Reader.TryRead(out _));
        Assert.Equal(0, harness.Queues.Count(QueueNames.DispatchLow));
    }

    [Fact]
    public async Task APoisonedMessageIsRecordedAsADeadLetterBeforeItIsCompleted()
    {
        await using var harness = LocalRuntimeHarness.Create(
            new Dictionary<string, string?> { ["Sms:Runtime:MaxDeliveryCount"] = "2" },
            new InMemoryQueues { RedeliverAbandoned = true });
        harness.Script.OnHandle = (_, _) => throw new InvalidOperationException("always broken");
        harness.Queues.Enqueue(QueueNames.Callbacks, "cb-bad", body: """{"n":1}""");

        await harness.StartAsync();
        var settlements = await harness.SettlementsAsync(2);

        Assert.Equal(Settlement.Completed, settlements[^1].Kind);
        var (message, reason) = Assert.Single(harness.Queues.DeadLettered);
        Assert.Equal((QueueNames.Callbacks, "cb-bad", """{"n":1}""", 2), (message.QueueName, message.Id, message.Body, message.DeliveryCount));
        Assert.Contains("always broken", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedDeadLetterRecordLeavesTheMessageForRedelivery()
    {
        await using var harness = LocalRuntimeHarness.Create();
        harness.Queues.RecordFailure = new TimeoutException("storage down");
        harness.Queues.Enqueue(QueueNames.DispatchNormal, "unrecorded", deliveryCount: 6);

        await harness.StartAsync();
        var settlement = await harness.NextSettlementAsync();

        Assert.Equal((Settlement.Abandoned, "unrecorded"), (settlement.Kind, settlement.Message.Id));
        Assert.True(settlement.Delay > TimeSpan.Zero);
        Assert.Empty(harness.Queues.DeadLettered);
    }

    [Fact]
    public async Task MessageDeliveredMoreThanMaxDeliveryCountGoesToPoisonWithoutRunningTheHandler()
    {
        await using var harness = LocalRuntimeHarness.Create();
        harness.Queues.Enqueue(QueueNames.DispatchNormal, "crash-loop", deliveryCount: 6);

        await harness.StartAsync();
        var settlement = await harness.NextSettlementAsync();

        Assert.Equal(Settlement.Completed, settlement.Kind);
        var (poisoned, reason) = await LocalRuntimeHarness.ReadAsync(harness.Script.Poisoned.Reader);
        Assert.Equal("crash-loop", poisoned.Id);
        Assert.Contains("6 times", reason, StringComparison.Ordinal);
        Assert.False(harness.Script.Handled.Reader.TryRead(out _));
    }

    [Fact]
    public async Task PoisonHandlerFailureLeavesTheMessageForRedelivery()
    {
        await using var harness = LocalRuntimeHarness.Create();
        harness.Script.OnPoison = (_, _, _) => throw new TimeoutException("table storage down");
        harness.Queues.Enqueue(QueueNames.DispatchNormal, "stuck", deliveryCount: 6);

        await harness.StartAsync();
        var settlement = await harness.NextSettlementAsync();

        Assert.Equal(Settlement.Abandoned, settlement.Kind);
        Assert.Equal("stuck", settlement.Message.Id);
        Assert.True(settlement.Delay > TimeSpan.Zero);
    }

    [Fact]
    public async Task ConcurrencyNeverExceedsMaxConcurrencyPerListener()
    {
        await using var harness = LocalRuntimeHarness.Create(new Dictionary<string, string?>
        {
            ["Sms:Runtime:MaxConcurrency"] = "3",
            ["Sms:Runtime:ReceiveBatchSize"] = "32",
        });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Script.OnHandle = async (_, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            return QueueHandlingResult.Completed;
        };
        for (var i = 0; i < 20; i++)
        {
            harness.Queues.Enqueue(QueueNames.DispatchHigh, $"m-{i}");
        }

        await harness.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await LocalRuntimeHarness.ReadAsync(harness.Script.Handled.Reader);
        }
        Assert.Equal(17, harness.Queues.Count(QueueNames.DispatchHigh)); // nothing received beyond the free slots
        gate.SetResult();
        var settlements = await harness.SettlementsAsync(20);

        Assert.All(settlements, s => Assert.Equal(Settlement.Completed, s.Kind));
        Assert.Equal(3, harness.Script.MaxRunning);
        Assert.All(harness.Queues.Receives, r => Assert.InRange(r.MaxMessages, 1, 3));
    }

    [Fact]
    public async Task SlowCallbacksDoNotTakeDispatchSlots()
    {
        await using var harness = LocalRuntimeHarness.Create(new Dictionary<string, string?> { ["Sms:Runtime:MaxConcurrency"] = "2" });
        var webhook = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Script.OnHandle = async (message, ct) =>
        {
            if (message.QueueName == QueueNames.Callbacks)
            {
                await webhook.Task.WaitAsync(ct);
            }
            return QueueHandlingResult.Completed;
        };
        for (var i = 0; i < 4; i++)
        {
            harness.Queues.Enqueue(QueueNames.Callbacks, $"cb-{i}");
        }
        for (var i = 0; i < 5; i++)
        {
            harness.Queues.Enqueue(QueueNames.DispatchNormal, $"m-{i}");
        }

        await harness.StartAsync();
        var dispatched = await harness.SettlementsAsync(5);

        Assert.All(dispatched, s => Assert.Equal(QueueNames.DispatchNormal, s.Message.QueueName));
        webhook.SetResult();
        Assert.All(await harness.SettlementsAsync(4), s => Assert.Equal(QueueNames.Callbacks, s.Message.QueueName));
    }

    [Fact]
    public async Task ShutdownReturnsUnfinishedMessagesToTheQueueAtOnce()
    {
        await using var harness = LocalRuntimeHarness.Create(new Dictionary<string, string?> { ["Sms:Runtime:ShutdownGraceSeconds"] = "0" });
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Script.OnHandle = async (_, ct) =>
        {
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            }
            catch (OperationCanceledException)
            {
                cancelled.TrySetResult();
                throw;
            }
            return QueueHandlingResult.Completed;
        };
        harness.Queues.Enqueue(QueueNames.DispatchHigh, "a");
        harness.Queues.Enqueue(QueueNames.DispatchHigh, "b");

        await harness.StartAsync();
        await LocalRuntimeHarness.ReadAsync(harness.Script.Handled.Reader);
        await LocalRuntimeHarness.ReadAsync(harness.Script.Handled.Reader);
        await harness.StopAsync();

        var settlements = await harness.SettlementsAsync(2);
        Assert.All(settlements, s =>
        {
            Assert.Equal(Settlement.Abandoned, s.Kind);
            Assert.Equal(TimeSpan.Zero, s.Delay);
        });
        Assert.Equal(["a", "b"], settlements.Select(s => s.Message.Id).Order());
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        Assert.False(harness.Queues.Settlements.TryRead(out _)); // the handlers' own end settles nothing twice
    }

    [Fact]
    public async Task ShutdownLetsInFlightHandlersFinishWithinTheGracePeriod()
    {
        await using var harness = LocalRuntimeHarness.Create(new Dictionary<string, string?> { ["Sms:Runtime:ShutdownGraceSeconds"] = "60" });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Script.OnHandle = async (_, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            return QueueHandlingResult.Completed;
        };
        harness.Queues.Enqueue(QueueNames.DispatchHigh, "in-flight");

        await harness.StartAsync();
        await LocalRuntimeHarness.ReadAsync(harness.Script.Handled.Reader);
        var stopping = harness.StopAsync();
        Assert.False(stopping.IsCompleted);
        gate.SetResult();
        await stopping;

        var settlement = await harness.NextSettlementAsync();
        Assert.Equal(Settlement.Completed, settlement.Kind);
        harness.Queues.Enqueue(QueueNames.DispatchHigh, "after-stop");
        Assert.Equal(1, harness.Queues.Count(QueueNames.DispatchHigh));
    }

    [Fact]
    public async Task LocalTriggersSettingFalseStartsNoListener()
    {
        await using var harness = LocalRuntimeHarness.Create(new Dictionary<string, string?> { ["Sms:Runtime:LocalTriggers"] = "false" });
        harness.Queues.Enqueue(QueueNames.DispatchHigh, "m");

        await harness.StartAsync();
        await harness.StopAsync();

        Assert.Empty(harness.Queues.Receives);
    }

    [Fact]
    public async Task HostModeStartsNoListener()
    {
        await using var harness = LocalRuntimeHarness.Create(new Dictionary<string, string?> { ["Sms:Runtime:HostMode"] = "true" });
        harness.Queues.Enqueue(QueueNames.DispatchHigh, "m");

        await harness.StartAsync();
        await harness.StopAsync();

        Assert.Empty(harness.Queues.Receives);
    }
}
