using SmsFunctions.Queues;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Puts state-change events on the callbacks queue, many events to a queue message: events raised at about the same
/// time (receipts of many messages) share a queue message through a group commit, and the caller returns only once
/// its event is on the queue. A queue message carries the events of one account only, so an account whose webhook
/// stalls holds up its own deliveries, not everyone's.
/// </summary>
public sealed class CallbackEnqueuer
{
    /// <summary>Events per queue message: well under the 64 KB message limit.</summary>
    public const int EventsPerMessage = 200;

    /// <summary>The states reported to webhooks: the delivery report (seed 002), i.e. every final state, and
    /// <c>RECEIVED</c> for an inbound message.</summary>
    public static readonly IReadOnlySet<string> ReportedStates = new HashSet<string>(StringComparer.Ordinal)
    {
        "DELIVERED", "UNDELIVERED", "FAILED", "EXPIRED", "REJECTED", "CANCELED", "RECEIVED",
    };

    private readonly IQueueSender _queues;
    private readonly Microsoft.Extensions.Options.IOptionsMonitor<SmsFunctions.App.Callbacks.CallbackOptions> _options;
    private readonly GroupCommit<CallbackEvent> _group;

    public CallbackEnqueuer(IQueueSender queues, Microsoft.Extensions.Options.IOptionsMonitor<SmsFunctions.App.Callbacks.CallbackOptions> options)
    {
        _queues = queues;
        _options = options;
        _group = new GroupCommit<CallbackEvent>((events, ct) => SendAsync(events, null, ct), EventsPerMessage, TimeSpan.FromMilliseconds(5));
    }

    /// <summary>Queues the events whose state is reported; others are dropped here.</summary>
    public async Task EnqueueAsync(IReadOnlyList<CallbackEvent> events, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        var reported = events.Where(e => ReportedStates.Contains(e.State)).ToList();
        if (reported.Count == 0)
        {
            return;
        }

        if (delay is null && reported.Any(e => e.Replay))
        {
            // Replays wait, so that the first callback for the same state, if it was queued, is on record by then.
            await SendAsync([.. reported.Where(e => e.Replay)], TimeSpan.FromSeconds(Math.Max(0, _options.CurrentValue.ReplayDelaySeconds)), cancellationToken);
            reported = [.. reported.Where(e => !e.Replay)];
            if (reported.Count == 0) { return; }
        }

        if (delay is null && reported.Count == 1)
        {
            await _group.AddAsync(reported[0], cancellationToken);
            return;
        }

        await SendAsync(reported, delay, cancellationToken);
    }

    private async Task SendAsync(IReadOnlyList<CallbackEvent> events, TimeSpan? delay, CancellationToken cancellationToken)
    {
        var messages = events.GroupBy(e => e.AccountId, StringComparer.Ordinal)
            .SelectMany(account => account.Chunk(EventsPerMessage))
            .Select(group => new OutgoingQueueMessage(
                group.Length == 1 ? group[0].Id : $"{group[0].Id}+{group.Length}",
                new CallbackWork(1, group).ToJson(),
                delay))
            .ToList();
        if (messages.Count == 1)
        {
            await _queues.SendAsync(QueueNames.Callbacks, messages[0], cancellationToken);
        }
        else
        {
            await _queues.SendBatchAsync(QueueNames.Callbacks, messages, cancellationToken);
        }
    }
}
