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
    MessageHeaderCache headers,
    MessageStamp stamp,
    RecipientStore recipients,
    IRecipientOwner owner,
    RecipientRefunds refunds,
    CallbackEnqueuer callbacks,
    DispatchEnqueuer enqueuer,
    AcceptanceRecovery recovery,
    Microsoft.Extensions.Options.IOptionsMonitor<PipelineOptions> options,
    TimeProvider time,
    ILogger<ScheduledDispatch> logger)
{
    /// <summary>Row-key prefix of a rollup row: a big message's state and counts are recomputed when it is due.</summary>
    public const string RollupPrefix = "r-";

    /// <summary>For a message too big to count on every read: roll it up on the message row until every recipient has ended.</summary>
    public Task ScheduleRollupAsync(MessageEntity message, CancellationToken cancellationToken) =>
        message.RecipientCount > options.CurrentValue.RollupAboveRecipients
            ? schedule.AddAsync(message.AccountId, RollupPrefix + message.Id, time.GetUtcNow().AddSeconds(options.CurrentValue.RollupIntervalSeconds),
                PriorityBand.Normal, message.RecipientCount, cancellationToken)
            : Task.CompletedTask;

    /// <summary>Row-key prefix of a validity row: when it is due, what has no final state yet expires.</summary>
    public const string ExpiryPrefix = "x-";

    /// <summary>Late receipts still count for this long after the validity period ends.</summary>
    public static readonly TimeSpan ExpiryGrace = TimeSpan.FromMinutes(5);

    /// <summary>Remembers to expire the message's unfinished recipients once its validity period (plus grace) is over.</summary>
    public Task ScheduleExpiryAsync(MessageEntity message, CancellationToken cancellationToken) =>
        message.ValidUntil is { } validUntil
            ? schedule.AddAsync(message.AccountId, ExpiryPrefix + message.Id, validUntil + ExpiryGrace, PriorityBand.Normal, message.RecipientCount, cancellationToken)
            : Task.CompletedTask;

    /// <summary>Row-key prefix of an orphan check: a draft's outbox row, which comes back after the orphan grace only to
    /// check that the draft was stored (else its charge is refunded, see <see cref="AcceptanceRecovery"/>).</summary>
    public const string OrphanCheckPrefix = "o-";

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

    /// <summary>
    /// Hands scheduled sends due after <paramref name="now"/> and within <paramref name="ahead"/> to their queue now,
    /// held there until their time (Service Bus ScheduledEnqueueTime), so that a timer running once a minute still
    /// sends them on time. Only message rows: expiry, rollup and orphan-check rows are work for their own time.
    /// Returns how many were enqueued.
    /// </summary>
    public async Task<int> ScheduleAheadAsync(DateTimeOffset now, TimeSpan ahead, int max, CancellationToken cancellationToken)
    {
        if (ahead <= TimeSpan.Zero)
        {
            return 0;
        }

        var rows = (await schedule.QueryDueAsync(now + ahead, max, after: now, cancellationToken))
            .Where(row => !row.RowKey.StartsWith(ExpiryPrefix, StringComparison.Ordinal)
                && !row.RowKey.StartsWith(RollupPrefix, StringComparison.Ordinal)
                && !row.RowKey.StartsWith(OrphanCheckPrefix, StringComparison.Ordinal))
            .ToList();
        var enqueued = 0;
        await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (row, ct) =>
        {
            if (await MoveAsync(row, row.DueAt, ct)) { Interlocked.Increment(ref enqueued); }
        });
        if (enqueued > 0) { LogScheduledAhead(logger, enqueued, ahead); }
        return enqueued;
    }

    private Task<bool> MoveAsync(ScheduleEntry row, CancellationToken cancellationToken) => MoveAsync(row, notBefore: null, cancellationToken);

    private async Task<bool> MoveAsync(ScheduleEntry row, DateTimeOffset? notBefore, CancellationToken cancellationToken)
    {
        if (row.RowKey.StartsWith(ExpiryPrefix, StringComparison.Ordinal))
        {
            await ExpireAsync(row, cancellationToken);
            return false;
        }

        if (row.RowKey.StartsWith(RollupPrefix, StringComparison.Ordinal))
        {
            await RollUpAsync(row, cancellationToken);
            return false;
        }

        // A draft's check row only asks whether its message was stored (it comes due after the orphan grace).
        var draftCheck = row.RowKey.StartsWith(OrphanCheckPrefix, StringComparison.Ordinal);
        var messageId = draftCheck ? row.RowKey[OrphanCheckPrefix.Length..] : row.MessageId;
        var message = await messages.GetAsync(row.AccountId, messageId, cancellationToken);
        if (message is null || draftCheck)
        {
            // The outbox row is written before the charge and the message: its request may still be writing them, or
            // its retry may finish them. Only after the orphan grace is the message given up (and its charge refunded).
            if (message is null && (time.GetUtcNow() - (row.Timestamp ?? row.DueAt) < options.CurrentValue.OrphanGrace
                || !await recovery.SettleAsync(row.AccountId, messageId)))
            {
                return false;
            }

            await schedule.TryRemoveAsync(row, cancellationToken);
            return false;
        }

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
        await enqueuer.EnqueueAsync(row.AccountId, row.MessageId, band, Math.Max(row.RecipientCount, message!.RecipientCount), null, notBefore, cancellationToken);
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

    /// <summary>
    /// The validity period of a message is over: every recipient without a final state (no final receipt came, or it
    /// was never sent) becomes EXPIRED, with a callback, and the row goes.
    /// </summary>
    private async Task ExpireAsync(ScheduleEntry row, CancellationToken cancellationToken)
    {
        var messageId = row.RowKey[ExpiryPrefix.Length..];
        var header = await headers.RefreshAsync(row.AccountId, messageId, cancellationToken);
        var events = new List<CallbackEvent>();
        var settled = new List<RecipientEntity>();
        if (header is not null)
        {
            var now = time.GetUtcNow();
            await foreach (var recipient in recipients.QueryAsync(messageId, cancellationToken: cancellationToken))
            {
                if (LifecycleApiNames.TryParseApiName(recipient.State, out RecipientState state) && state.IsTerminal())
                {
                    if (RecipientRefunds.IsDue(recipient)) { settled.Add(recipient); }
                    continue;
                }

                var expired = await owner.ApplyAsync(recipient, new Expire("No final delivery report arrived within the validity period.", now), cancellationToken: cancellationToken);
                if (expired.StateChanged && expired.Row is { } row_)
                {
                    events.Add(new CallbackEvent(row.AccountId, messageId, row_.Number, row_.State, now));
                    settled.Add(row_);
                }
            }

            if (events.Count > 0)
            {
                await stamp.ApplyAsync(header, events, cancellationToken);
                if (!string.IsNullOrEmpty(header.CallbackJson)) { await callbacks.EnqueueAsync(events, cancellationToken: cancellationToken); }
                LogExpired(logger, messageId, events.Count);
            }

            // Recipients expired before they were ever claimed never reached a carrier: refunded (and any refund a
            // crash left owed is paid now, once).
            await refunds.PayAsync(settled, cancellationToken);
        }

        await schedule.TryRemoveAsync(row, cancellationToken);
    }

    /// <summary>
    /// Counts the message's recipients by state (a projection of the state column), writes the counts and the
    /// rolled-up state on the message row, and comes back later while any recipient is still in flight.
    /// </summary>
    private async Task RollUpAsync(ScheduleEntry row, CancellationToken cancellationToken)
    {
        var messageId = row.RowKey[RollupPrefix.Length..];
        var header = await headers.RefreshAsync(row.AccountId, messageId, cancellationToken);
        if (header is not null)
        {
            var stored = await recipients.CountByStateAsync(messageId, cancellationToken);
            var counts = default(RecipientStateCounts);
            foreach (var (name, count) in stored)
            {
                if (LifecycleApiNames.TryParseApiName(name, out RecipientState state)) { counts = counts.Add(state, count); }
            }

            var rolled = MessageStateRollup.From(counts);
            var now = time.GetUtcNow();
            var patch = new TableEntity(header.PartitionKey, header.RowKey)
            {
                [nameof(MessageEntity.State)] = rolled.ToApiName(),
                [nameof(MessageEntity.StateCountsJson)] = System.Text.Json.JsonSerializer.Serialize(stored),
                [nameof(MessageEntity.UpdatedAt)] = now,
            };
            if (rolled is MessageState.Delivered or MessageState.PartiallyDelivered && header.DeliveredAt is null)
            {
                patch[nameof(MessageEntity.DeliveredAt)] = now;
            }

            await messages.TryMergeAsync(patch, header.ETag, cancellationToken); // A conflict: the next rollup decides again.
            if (counts.InFlight > 0)
            {
                await schedule.AddAsync(row.AccountId, row.RowKey, now.AddSeconds(options.CurrentValue.RollupIntervalSeconds), PriorityBand.Normal, row.RecipientCount, cancellationToken);
            }
        }

        await schedule.TryRemoveAsync(row, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId}: {Count} recipients expired at the end of the validity period")]
    private static partial void LogExpired(ILogger logger, string messageId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Handed {Count} scheduled message(s) due within {Ahead} to the queue, held until their time")]
    private static partial void LogScheduledAhead(ILogger logger, int count, TimeSpan ahead);

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {Enqueued} of {Due} due messages to the dispatch queues")]
    private static partial void LogMoved(ILogger logger, int enqueued, int due);
}
