using System.Diagnostics;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Telemetry;
using SmsFunctions.Core.Pricing;
using SmsFunctions.Queues;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Scheduling;
using SmsFunctions.Storage.Tables;
using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Hands due messages to the dispatch queue of their priority band, then removes their Schedule (outbox) row. Small
/// messages travel as one item; bulk ones fan out in chunks of contiguous recipient numbers of one shard. A crash between the
/// send and the row removal only means the row is found again and the message enqueued twice, which the per-recipient
/// dispatch claim makes harmless.
/// </summary>
public sealed partial class DispatchEnqueuer : IAcceptedMessageNotifier
{
    private readonly IQueueSender queues;
    private readonly RecipientStore recipients;
    private readonly ScheduleIndex schedule;
    private readonly SmsTables tables;
    private readonly IOptionsMonitor<PipelineOptions> options;
    private readonly MessageHeaderCache headers;
    private readonly AcceptedRows accepted;
    private readonly TimeProvider time;
    private readonly ILogger<DispatchEnqueuer> logger;
    private readonly Dictionary<PriorityBand, GroupCommit<AcceptedMessage>> _groups;

    public DispatchEnqueuer(
        IQueueSender queues,
        RecipientStore recipients,
        ScheduleIndex schedule,
        SmsTables tables,
        IOptionsMonitor<PipelineOptions> options,
        MessageHeaderCache headers,
        AcceptedRows accepted,
        TimeProvider time,
        ILogger<DispatchEnqueuer> logger)
    {
        this.headers = headers;
        this.accepted = accepted;
        this.queues = queues;
        this.recipients = recipients;
        this.schedule = schedule;
        this.tables = tables;
        this.options = options;
        this.time = time;
        this.logger = logger;
        var linger = TimeSpan.FromMilliseconds(options.CurrentValue.GroupCommitMilliseconds);
        _groups = Enum.GetValues<PriorityBand>().ToDictionary(
            band => band,
            band => new GroupCommit<AcceptedMessage>((batch, ct) => SendGroupAsync(band, batch, ct), options.CurrentValue.ItemsPerDispatchMessage, linger));
    }

    public async Task NotifyAcceptedAsync(AcceptedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.DueAt > time.GetUtcNow() || !options.CurrentValue.EnqueueOnAccept)
        {
            return; // Scheduled for later: FireScheduled moves it when due.
        }

        // What was just written is what dispatch needs: keep it, so the dispatch of this message reads nothing.
        if (message.Message is { } row && row.ETag != default) { headers.Set(row); }
        if (message.Recipients is { } rows && message.RecipientCount <= Math.Max(1, options.CurrentValue.ChunkSize)) { accepted.Add(message.MessageId, rows); }

        if (message.RecipientCount > Math.Max(1, options.CurrentValue.ChunkSize))
        {
            await EnqueueAsync(message.AccountId, message.MessageId, message.Band, message.RecipientCount,
                message.Recipients?.Select(r => r.RowKey).ToHashSet(StringComparer.Ordinal), cancellationToken);
            await schedule.RemoveAsync(message.MessageId, message.DueAt, cancellationToken);
            return;
        }

        // Small messages accepted at about the same time travel together in one queue message.
        await _groups[message.Band].AddAsync(message, cancellationToken);
    }

    /// <summary>One queue message for a group of small messages, then their Schedule rows removed, 100 to a batch.</summary>
    private async Task SendGroupAsync(PriorityBand band, IReadOnlyList<AcceptedMessage> group, CancellationToken cancellationToken)
    {
        var work = new DispatchWork(1, group.Select(m => new DispatchItem(m.AccountId, m.MessageId)).ToList());
        var id = group.Count == 1 ? $"d-{group[0].MessageId}-0" : $"d-{group[0].MessageId}-g{group.Count}";
        await queues.SendAsync(band.QueueName(), new OutgoingQueueMessage(id, work.ToJson(), CorrelationId: Activity.Current?.Id), cancellationToken);
        PipelineMetrics.Queued.Add(group.Sum(m => m.RecipientCount), new KeyValuePair<string, object?>("band", band.ToString()));

        foreach (var bucket in group.GroupBy(m => ScheduleIndex.BucketOf(m.DueAt)))
        {
            foreach (var chunk in bucket.Chunk(TableBatches.MaxActions))
            {
                if (chunk.Length == 1)
                {
                    await schedule.RemoveAsync(chunk[0].MessageId, chunk[0].DueAt, cancellationToken); // Cheaper than a batch of one.
                    continue;
                }

                try
                {
                    await tables.Schedule.SubmitTransactionAsync(
                        chunk.Select(m => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(bucket.Key, m.MessageId), ETag.All)),
                        cancellationToken);
                }
                catch (TableTransactionFailedException)
                {
                    // A row already gone fails the whole batch: remove the rest one by one.
                    foreach (var m in chunk) { await schedule.RemoveAsync(m.MessageId, m.DueAt, cancellationToken); }
                }
            }
        }
    }

    /// <summary>Sends the dispatch work of one message to its band's queue; returns the number of queue messages.
    /// <paramref name="numbers"/>, when the caller has them (just accepted), spare reading 100,000 rows back.
    /// With <paramref name="notBefore"/> in the future the queue holds the work until then (Service Bus
    /// ScheduledEnqueueTime); the ids then carry that time, so a later schedule of the same message is not taken for a
    /// duplicate of this one.</summary>
    public Task<int> EnqueueAsync(string accountId, string messageId, PriorityBand band, int recipientCount, IReadOnlySet<string>? numbers, CancellationToken cancellationToken) =>
        EnqueueAsync(accountId, messageId, band, recipientCount, numbers, notBefore: null, cancellationToken);

    /// <inheritdoc cref="EnqueueAsync(string, string, PriorityBand, int, IReadOnlySet{string}?, CancellationToken)"/>
    public async Task<int> EnqueueAsync(string accountId, string messageId, PriorityBand band, int recipientCount, IReadOnlySet<string>? numbers, DateTimeOffset? notBefore, CancellationToken cancellationToken)
    {
        using var activity = SmsTelemetry.ActivitySource.StartActivity("enqueue dispatch", ActivityKind.Producer);
        activity?.SetTag("sms.message_id", messageId);
        var queue = band.QueueName();
        var chunkSize = Math.Max(1, options.CurrentValue.ChunkSize);
        var traceParent = Activity.Current?.Id;
        var delay = notBefore is { } at && at > time.GetUtcNow() ? at - time.GetUtcNow() : (TimeSpan?)null;
        var idSuffix = delay is null ? string.Empty : "-at" + notBefore!.Value.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (recipientCount <= chunkSize)
        {
            var work = new DispatchWork(1, [new DispatchItem(accountId, messageId)]);
            await queues.SendAsync(queue, new OutgoingQueueMessage($"d-{messageId}-0{idSuffix}", work.ToJson(), delay, traceParent), cancellationToken);
            PipelineMetrics.Queued.Add(recipientCount, new KeyValuePair<string, object?>("band", band.ToString()));
            return 1;
        }

        numbers ??= await recipients.NumbersAsync(messageId, cancellationToken);
        var messages = new List<OutgoingQueueMessage>((numbers.Count / chunkSize) + RecipientKeys.Shards);
        var chunk = 0;
        var shards = RecipientKeys.ShardsOf(messageId);
        foreach (var shard in numbers.GroupBy(n => RecipientKeys.Shard(n, shards)).OrderBy(g => g.Key))
        {
            var sorted = shard.Order(StringComparer.Ordinal).ToList();
            for (var start = 0; start < sorted.Count; start += chunkSize, chunk++)
            {
                var slice = sorted.GetRange(start, Math.Min(chunkSize, sorted.Count - start));
                var work = new DispatchWork(1, [new DispatchItem(accountId, messageId, slice, chunk)]);
                messages.Add(new OutgoingQueueMessage($"d-{messageId}-{chunk}{idSuffix}", work.ToJson(), delay, traceParent));
            }
        }

        await queues.SendBatchAsync(queue, messages, cancellationToken);
        PipelineMetrics.Queued.Add(numbers.Count, new KeyValuePair<string, object?>("band", band.ToString()));
        LogFannedOut(logger, messageId, numbers.Count, messages.Count, queue);
        return messages.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId}: {Recipients} recipients fanned out in {Chunks} chunks on {Queue}")]
    private static partial void LogFannedOut(ILogger logger, string messageId, int recipients, int chunks, string queue);
}
