using SmsFunctions.Queues;

namespace SmsFunctions.App.Pipeline;

/// <summary>Puts state-change events on the callbacks queue, many events to a queue message.</summary>
public sealed class CallbackEnqueuer(IQueueSender queues)
{
    /// <summary>Events per queue message: well under the 64 KB message limit.</summary>
    public const int EventsPerMessage = 200;

    public async Task EnqueueAsync(IReadOnlyList<CallbackEvent> events, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0)
        {
            return;
        }

        var messages = events.Chunk(EventsPerMessage)
            .Select(group => new OutgoingQueueMessage(
                group.Length == 1 ? group[0].Id : $"{group[0].Id}+{group.Length}",
                new CallbackWork(1, group).ToJson(),
                delay))
            .ToList();
        if (messages.Count == 1)
        {
            await queues.SendAsync(QueueNames.Callbacks, messages[0], cancellationToken);
        }
        else
        {
            await queues.SendBatchAsync(QueueNames.Callbacks, messages, cancellationToken);
        }
    }
}
