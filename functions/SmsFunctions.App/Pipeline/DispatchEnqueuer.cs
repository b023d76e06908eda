using System.Diagnostics;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Telemetry;
using SmsFunctions.Core.Pricing;
using SmsFunctions.Queues;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Scheduling;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Hands due messages to the dispatch queue of their priority band, then removes their Schedule (outbox) row. Small
/// messages travel as one item; bulk ones fan out in chunks of contiguous recipient numbers. A crash between the
/// send and the row removal only means the row is found again and the message enqueued twice, which the per-recipient
/// dispatch claim makes harmless.
/// </summary>
public sealed partial class DispatchEnqueuer(
    IQueueSender queues,
    RecipientStore recipients,
    ScheduleIndex schedule,
    IOptionsMonitor<PipelineOptions> options,
    TimeProvider time,
    ILogger<DispatchEnqueuer> logger) : IAcceptedMessageNotifier
{
    public async Task NotifyAcceptedAsync(AcceptedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.DueAt > time.GetUtcNow() || !options.CurrentValue.EnqueueOnAccept)
        {
            return; // Scheduled for later: FireScheduled moves it when due.
        }

        await EnqueueAsync(message.AccountId, message.MessageId, message.Band, message.RecipientCount, cancellationToken);
        await schedule.RemoveAsync(message.MessageId, message.DueAt, cancellationToken);
    }

    /// <summary>Sends the dispatch work of one message to its band's queue; returns the number of queue messages.</summary>
    public async Task<int> EnqueueAsync(string accountId, string messageId, PriorityBand band, int recipientCount, CancellationToken cancellationToken)
    {
        using var activity = SmsTelemetry.ActivitySource.StartActivity("enqueue dispatch", ActivityKind.Producer);
        activity?.SetTag("sms.message_id", messageId);
        var queue = band.QueueName();
        var chunkSize = Math.Max(1, options.CurrentValue.ChunkSize);
        var traceParent = Activity.Current?.Id;
        if (recipientCount <= chunkSize)
        {
            var work = new DispatchWork(1, [new DispatchItem(accountId, messageId)]);
            await queues.SendAsync(queue, new OutgoingQueueMessage($"d-{messageId}-0", work.ToJson(), CorrelationId: traceParent), cancellationToken);
            PipelineMetrics.Queued.Add(recipientCount, new KeyValuePair<string, object?>("band", band.ToString()));
            return 1;
        }

        var numbers = (await recipients.NumbersAsync(messageId, cancellationToken)).ToList();
        numbers.Sort(StringComparer.Ordinal);
        var messages = new List<OutgoingQueueMessage>((numbers.Count / chunkSize) + 1);
        for (int start = 0, chunk = 0; start < numbers.Count; start += chunkSize, chunk++)
        {
            var slice = numbers.GetRange(start, Math.Min(chunkSize, numbers.Count - start));
            var work = new DispatchWork(1, [new DispatchItem(accountId, messageId, slice, chunk)]);
            messages.Add(new OutgoingQueueMessage($"d-{messageId}-{chunk}", work.ToJson(), CorrelationId: traceParent));
        }

        await queues.SendBatchAsync(queue, messages, cancellationToken);
        PipelineMetrics.Queued.Add(numbers.Count, new KeyValuePair<string, object?>("band", band.ToString()));
        LogFannedOut(logger, messageId, numbers.Count, messages.Count, queue);
        return messages.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId}: {Recipients} recipients fanned out in {Chunks} chunks on {Queue}")]
    private static partial void LogFannedOut(ILogger logger, string messageId, int recipients, int chunks, string queue);
}
