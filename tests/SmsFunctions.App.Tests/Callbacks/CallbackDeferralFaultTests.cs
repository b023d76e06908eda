using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Callbacks;
using SmsFunctions.App.Pipeline;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Queues;
using SmsFunctions.Testing;

namespace SmsFunctions.App.Tests.Callbacks;

/// <summary>
/// A deferred callback whose copy cannot be queued (the queue service fails the send, as a crash between the two
/// steps would leave it), and a deferred one whose queue message comes back although its copy was queued: every state
/// still reaches the receiver exactly once — neither stranded behind a DEFERRED record that no copy stands behind, nor
/// sent both by the redelivered message and by its copy. The handler runs against Azurite and a real receiver, with
/// its host's only slot held by the test and no wait for it, so every delivery is deferred until the test lets go.
/// </summary>
public sealed class CallbackDeferralFaultTests(CallbackDeferralFaultTests.PrivateHooksFixture app) : IClassFixture<CallbackDeferralFaultTests.PrivateHooksFixture>, IAsyncLifetime
{
    /// <summary>The app with webhooks to loopback allowed (the receiver is local); no local triggers.</summary>
    public sealed class PrivateHooksFixture : SmsAppFixture
    {
        protected override IReadOnlyDictionary<string, string?> Overrides() => new Dictionary<string, string?>
        {
            ["Sms:Callbacks:AllowPrivateNetworks"] = "true",
        };
    }

    private static readonly CallbackOptions Options = new()
    {
        AllowPrivateNetworks = true,
        MaxConcurrentPerHost = 1,
        HostSlotWaitSeconds = 0,
        HostBusyDelaySeconds = 1,
    };

    private WebhookListener _hooks = null!;

    private static CancellationToken Ct => TestCancellation.Token;

    public async ValueTask InitializeAsync() => _hooks = await WebhookListener.StartAsync(Ct);

    public async ValueTask DisposeAsync() => await _hooks.DisposeAsync();

    [Fact]
    public async Task ADeferralWhoseCopyCannotBeQueuedLeavesNoRecordAndItsRedeliveryCallsBackOnce()
    {
        var (accountId, id, numbers, hook) = await SendAsync(1);
        var queue = new ScriptedCallbackQueue();
        queue.FailFor(numbers[0]);
        var (handler, hosts) = Handler(queue);
        var e = new CallbackEvent(accountId, id, numbers[0], "DELIVERED", DateTimeOffset.UtcNow);

        using (hosts.TryTake(hook))
        {
            await Assert.ThrowsAnyAsync<Azure.RequestFailedException>(() => handler.HandleAsync(Message([e], 1), Ct));
        }

        // No record promises a copy that is not on the queue: a replay of this state may still stand in for it.
        var attempts = app.Services.GetRequiredService<CallbackAttemptStore>();
        Assert.Null(await attempts.GetOutcomeAsync(accountId, id, numbers[0], "DELIVERED", 1, Ct));
        Assert.Empty(queue.Sent);

        // The queue message comes back (the local runtime abandons it, Service Bus redelivers it): the callback goes out.
        await handler.HandleAsync(Message([e], 2), Ct);
        await _hooks.WaitForAsync(r => r.Path == hook.AbsolutePath, 1, TimeSpan.FromSeconds(10), Ct);

        // A replay of the state (a cancel's or a receipt's intent) now finds it on record and stays quiet.
        await handler.HandleAsync(Message([e with { Replay = true }], 1), Ct);
        Assert.Equal(CallbackAttemptOutcome.Delivered, (await attempts.GetOutcomeAsync(accountId, id, numbers[0], "DELIVERED", 1, Ct))?.Outcome);
        Assert.Single(_hooks.Requests, r => r.Path == hook.AbsolutePath);
    }

    [Fact]
    public async Task ARedeliveredMessageLeavesItsDeferredEventsToTheirQueuedCopy()
    {
        // Two events in one queue message, both deferred (copy queued, then on record); the message comes back anyway
        // (its completion was lost, or the handler failed afterwards). Before the redelivery looked at the record, the
        // events went out from the redelivered message and again from their copy.
        var (accountId, id, numbers, hook) = await SendAsync(2);
        var queue = new ScriptedCallbackQueue();
        var (handler, hosts) = Handler(queue);
        CallbackEvent[] events = [.. numbers.Select(n => new CallbackEvent(accountId, id, n, "DELIVERED", DateTimeOffset.UtcNow))];

        using (hosts.TryTake(hook))
        {
            await handler.HandleAsync(Message(events, 1), Ct);
        }

        Assert.True(queue.Sent.TryDequeue(out OutgoingQueueMessage? copy) && queue.Sent.IsEmpty);
        Assert.Equal(numbers, CallbackWork.Parse(copy.Body).Events.Select(e => e.Recipient).Order(StringComparer.Ordinal));

        // The message comes back: nothing goes out from it. Then the copy arrives (and whatever else was queued
        // meanwhile): each recipient is called back once.
        await handler.HandleAsync(Message(events, 2), Ct);
        Assert.DoesNotContain(_hooks.Requests, r => r.Path == hook.AbsolutePath);
        for (var handled = 0; copy is not null && handled < 20; handled++)
        {
            await handler.HandleAsync(new ReceivedQueueMessage(QueueNames.Callbacks, copy.Id, copy.Body, 1, "r-copy", DateTimeOffset.UtcNow), Ct);
            copy = queue.Sent.TryDequeue(out var next) ? next : null;
        }

        Assert.Null(copy);
        await _hooks.WaitForAsync(r => r.Path == hook.AbsolutePath, 2, TimeSpan.FromSeconds(10), Ct);
        var received = _hooks.Requests.Where(r => r.Path == hook.AbsolutePath)
            .Select(r => JsonNode.Parse(r.Body)!["data"]!["recipient"]!.GetValue<string>()).Order(StringComparer.Ordinal);
        Assert.Equal(numbers.Order(StringComparer.Ordinal), received);
    }

    private async Task<(string AccountId, string Id, string[] Numbers, Uri Hook)> SendAsync(int recipients)
    {
        var customer = await app.CreateCustomerAsync(10m);
        var hook = new Uri(_hooks.BaseUrl, "deferred/" + Guid.NewGuid().ToString("N"));
        var prefix = "+3933" + Random.Shared.Next(10_000, 99_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var numbers = Enumerable.Range(0, recipients).Select(i => prefix + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var sent = await customer.SendOkAsync(new
        {
            sender = "Deferred",
            recipients = numbers,
            body = "Your host is busy",
            callback = new { url = hook.ToString(), method = "JSON", field = "data" },
        });
        return (customer.AccountId, sent["id"]!.GetValue<string>(), numbers, hook);
    }

    private (DeliverCallbackHandler Handler, CallbackHostSlots Hosts) Handler(ScriptedCallbackQueue queue)
    {
        var options = new FixedOptions(Options);
        var hosts = new CallbackHostSlots(options);
        var handler = ActivatorUtilities.CreateInstance<DeliverCallbackHandler>(app.Services,
            new CallbackEnqueuer(queue, options), hosts, new CallbackClaims(), (IOptionsMonitor<CallbackOptions>)options);
        return (handler, hosts);
    }

    private static ReceivedQueueMessage Message(IReadOnlyList<CallbackEvent> events, int deliveryCount) =>
        new(QueueNames.Callbacks, "cb-test", new CallbackWork(1, events).ToJson(), deliveryCount, "r" + deliveryCount, DateTimeOffset.UtcNow);

    /// <summary>A callbacks queue that keeps what it is sent and fails the next send that carries one recipient (once
    /// another recipient's send has gone through, when told to wait for it).</summary>
    private sealed class ScriptedCallbackQueue : IQueueSender
    {
        private readonly TaskCompletionSource _afterSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private string? _failFor;
        private string? _after;

        public ConcurrentQueue<OutgoingQueueMessage> Sent { get; } = new();

        public void FailFor(string recipient, string? after = null)
        {
            _failFor = recipient;
            _after = after;
            if (after is null) { _afterSent.TrySetResult(); }
        }

        public async Task SendAsync(string queueName, OutgoingQueueMessage message, CancellationToken cancellationToken = default)
        {
            var recipients = CallbackWork.Parse(message.Body).Events.Select(e => e.Recipient).ToList();
            if (_failFor is { } failing && recipients.Contains(failing) && Interlocked.Exchange(ref _failFor, null) is not null)
            {
                await _afterSent.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
                throw new Azure.RequestFailedException(503, "Injected: the queue service is unavailable.");
            }

            Sent.Enqueue(message);
            if (_after is { } after && recipients.Contains(after)) { _afterSent.TrySetResult(); }
        }

        public async Task SendBatchAsync(string queueName, IReadOnlyList<OutgoingQueueMessage> messages, CancellationToken cancellationToken = default)
        {
            foreach (var message in messages) { await SendAsync(queueName, message, cancellationToken); }
        }
    }

    private sealed class FixedOptions(CallbackOptions value) : IOptionsMonitor<CallbackOptions>
    {
        public CallbackOptions CurrentValue => value;

        public CallbackOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<CallbackOptions, string?> listener) => null;
    }
}
