using Azure.Data.Tables;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Core.Pricing;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Scheduling;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Moves due rows of the Schedule index (scheduled sends, and immediate ones whose enqueue never happened: the
/// outbox) to the dispatch queues. A row whose message was cancelled, blocked or rescheduled is just removed.
/// </summary>
public sealed partial class ScheduledDispatch(
    ScheduleIndex schedule,
    MessageStore messages,
    DispatchEnqueuer enqueuer,
    TimeProvider time,
    ILogger<ScheduledDispatch> logger)
{
    /// <summary>Moves up to <paramref name="max"/> rows due at or before <paramref name="upTo"/>; returns how many were enqueued.</summary>
    public async Task<int> MoveDueAsync(DateTimeOffset upTo, int max, CancellationToken cancellationToken)
    {
        var rows = await schedule.QueryDueAsync(upTo, max, cancellationToken);
        var enqueued = 0;
        await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (row, ct) =>
        {
            if (await MoveAsync(row, ct)) { Interlocked.Increment(ref enqueued); }
        });
        if (enqueued > 0) { LogMoved(logger, enqueued, rows.Count); }
        return enqueued;
    }

    private async Task<bool> MoveAsync(ScheduleEntry row, CancellationToken cancellationToken)
    {
        var message = await messages.GetAsync(row.AccountId, row.MessageId, cancellationToken);
        var state = message is not null && LifecycleApiNames.TryParseApiName(message.State, out MessageState s) ? s : MessageState.Canceled;
        var stale = message is null
            || state is MessageState.Draft or MessageState.Canceled or MessageState.Blocked || state.IsTerminal()
            || message.DueAt is not { } due || ScheduleIndex.BucketOf(due) != row.PartitionKey || (due - row.DueAt).Duration() > TimeSpan.FromSeconds(1);
        if (stale)
        {
            await schedule.TryRemoveAsync(row, cancellationToken);
            return false;
        }

        var band = Enum.TryParse<PriorityBand>(row.Band, ignoreCase: true, out var b) ? b : PriorityBand.Normal;
        await enqueuer.EnqueueAsync(row.AccountId, row.MessageId, band, Math.Max(row.RecipientCount, message!.RecipientCount), cancellationToken);
        if (state == MessageState.Scheduled)
        {
            var patch = new TableEntity(message.PartitionKey, message.RowKey)
            {
                [nameof(MessageEntity.State)] = MessageState.Queued.ToApiName(),
                [nameof(MessageEntity.DispatchState)] = DispatchStates.Enqueued,
                [nameof(MessageEntity.UpdatedAt)] = time.GetUtcNow(),
            };
            await messages.TryMergeAsync(patch, message.ETag, cancellationToken); // A conflict means the dispatcher already moved it on.
        }

        await schedule.TryRemoveAsync(row, cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {Enqueued} of {Due} due messages to the dispatch queues")]
    private static partial void LogMoved(ILogger logger, int enqueued, int due);
}
