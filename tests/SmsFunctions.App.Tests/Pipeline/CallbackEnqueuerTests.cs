using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Callbacks;
using SmsFunctions.App.Pipeline;
using SmsFunctions.Queues;

namespace SmsFunctions.App.Tests.Pipeline;

/// <summary>What the callbacks queue receives: events grouped so that one account's stalling webhook holds only its own.</summary>
public sealed class CallbackEnqueuerTests
{
    private sealed class CapturingQueues : IQueueSender
    {
        public ConcurrentQueue<OutgoingQueueMessage> Sent { get; } = new();

        public Task SendAsync(string queueName, OutgoingQueueMessage message, CancellationToken cancellationToken = default)
        {
            Sent.Enqueue(message);
            return Task.CompletedTask;
        }

        public Task SendBatchAsync(string queueName, IReadOnlyList<OutgoingQueueMessage> messages, CancellationToken cancellationToken = default)
        {
            foreach (var message in messages)
            {
                Sent.Enqueue(message);
            }

            return Task.CompletedTask;
        }
    }

    private sealed class Monitor : IOptionsMonitor<CallbackOptions>
    {
        public CallbackOptions CurrentValue { get; } = new();

        public CallbackOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<CallbackOptions, string?> listener) => null;
    }

    [Fact]
    public async Task EachQueueMessageCarriesTheEventsOfOneAccount()
    {
        var queues = new CapturingQueues();
        var enqueuer = new CallbackEnqueuer(queues, new Monitor());
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, 30)
            .Select(i => new CallbackEvent(i % 3 == 0 ? "acct-a" : i % 3 == 1 ? "acct-b" : "acct-c", $"m{i:D22}", "+39333000" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), "DELIVERED", now))
            .ToList();

        // Many at once (a batch) and one by one (the group commit), as receipts raise them.
        await enqueuer.EnqueueAsync(events[..15], cancellationToken: TestContext.Current.CancellationToken);
        await Task.WhenAll(events[15..].Select(e => enqueuer.EnqueueAsync([e], cancellationToken: TestContext.Current.CancellationToken)));

        var works = queues.Sent.Select(m => CallbackWork.Parse(m.Body)).ToList();
        Assert.Equal(30, works.Sum(w => w.Events.Count));
        Assert.All(works, w => Assert.Single(w.Events.Select(e => e.AccountId).Distinct()));
    }
}
