using SmsFunctions.App.Api.Common;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Scheduling;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Api.Messages;

/// <summary>
/// <c>DELETE /messages/{id}</c>: cancels every recipient not yet handed to a carrier (DRAFT, SCHEDULED, QUEUED), each
/// change ETag-guarded so a dispatcher's claim and a cancellation cannot both win. Recipients already sent are left
/// alone and reported. Seed 003: cancelling does not refund.
/// <para>
/// Order, so that a crash (or an error) at any point strands nothing: (1) the CANCELED callbacks are queued as
/// replays delayed by <see cref="SmsFunctions.App.Callbacks.CallbackOptions.CancelReplayDelaySeconds"/>
/// <em>before</em> anything changes — the intent; each goes out only if its recipient did end
/// CANCELED and no attempt for it is on record, so the webhook of a cancel whose process died between the state
/// change and the queue send still arrives; (2) the recipients are canceled; (3) the message's state is written,
/// marked <see cref="DispatchStates.Canceling"/> when final; (4) the callbacks are queued at once; (5) the outbox
/// (Schedule) row is removed, last: until then the sweep still hands the message on, so recipients the cancel did
/// not reach are sent rather than left charged and forgotten; (6) the mark is cleared. Once (1) is done the
/// client's token is no longer used: a cancel that started finishes. A repeated <c>DELETE</c> after a crash finishes
/// the job (the mark says so) instead of answering 409.
/// </para>
/// </summary>
public sealed partial class MessageCanceller(
    MessageStore messages,
    RecipientStore recipients,
    SmsFunctions.App.Pipeline.IRecipientOwner owner,
    ScheduleIndex schedule,
    CreditLedger ledger,
    SmsFunctions.App.Pipeline.CallbackEnqueuer callbacks,
    Microsoft.Extensions.Options.IOptionsMonitor<SmsFunctions.App.Callbacks.CallbackOptions> callbackOptions,
    TimeProvider time,
    ILogger<MessageCanceller> logger)
{
    private const int MaxAttempts = 10;
    private const int ReportLimit = 100;
    private const int Concurrency = 8;

    public async Task<ApiOutcome> CancelAsync(string accountId, string messageId, CancellationToken cancellationToken)
    {
        var message = await messages.GetAsync(accountId, messageId, cancellationToken);
        if (message is null)
        {
            return ApiOutcome.Fail(MessagesApi.NotFound(messageId));
        }

        var unfinished = message.DispatchState == DispatchStates.Canceling;
        if (!unfinished && (!LifecycleApiNames.TryParseApiName(message.State, out MessageState state) || state.IsTerminal()))
        {
            return ApiOutcome.Fail(NotCancelable(messageId, $"The message is {message.State}; there is nothing left to cancel."));
        }

        var all = new List<RecipientEntity>();
        await foreach (var row in recipients.QueryAsync(messageId, cancellationToken: cancellationToken))
        {
            all.Add(row);
        }

        var now = time.GetUtcNow();
        var wasCancelable = all.Select(r => Parse(r.State).IsCancelable()).ToArray();
        var reported = !string.IsNullOrEmpty(message.CallbackJson);
        if (reported)
        {
            // (1) The intent: raised before any recipient changes, so no crash can fall between a CANCELED state and
            // its callback. If this send fails nothing has changed yet and the error is the answer.
            var delay = TimeSpan.FromSeconds(Math.Max(0, callbackOptions.CurrentValue.CancelReplayDelaySeconds));
            await callbacks.EnqueueAsync(CanceledEvents(accountId, messageId, all, wasCancelable, now, replay: true), delay, cancellationToken);
        }

        // From here on the cancel finishes whatever the client does.
        var results = await CancelRecipientsAsync(messageId, all, now, CancellationToken.None);
        var counts = default(RecipientStateCounts);
        var notCanceled = new List<RecipientSummaryView>();
        var canceledNumbers = new List<string>();
        var canceledNow = 0;
        for (var i = 0; i < all.Count; i++)
        {
            counts = counts.Add(results[i], 1);
            if (results[i] == RecipientState.Canceled)
            {
                canceledNow++;
                canceledNumbers.Add(all[i].Number);
            }
            else if (notCanceled.Count < ReportLimit)
            {
                notCanceled.Add(new RecipientSummaryView(all[i].Number, all[i].State, TableValues.ParseMoney(all[i].Price), all[i].Parts));
            }
        }

        var rolled = MessageStateRollup.From(counts);
        var marked = await UpdateMessageAsync(accountId, messageId, rolled, counts, now, CancellationToken.None);
        if (reported)
        {
            // (4) Right away; should this fail, the intent of (1) still reports them.
            var events = CanceledEvents(accountId, messageId, all, wasCancelable, now, replay: false, results);
            try
            {
                await callbacks.EnqueueAsync(events, cancellationToken: CancellationToken.None);
            }
#pragma warning disable CA1031 // The replays queued in (1) report these recipients; the cancel itself succeeded.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogCallbacksDeferred(messageId, events.Count, ex.Message);
            }
        }

        // (5) Last: the outbox row. (6) Then the mark that a repeated DELETE would finish.
        if (message.DueAt is { } dueAt)
        {
            await schedule.RemoveAsync(messageId, dueAt, CancellationToken.None);
        }

        if (marked is not null)
        {
            await FinishAsync(accountId, messageId, counts, marked, CancellationToken.None);
        }

        LogCanceled(messageId, accountId, canceledNow, all.Count - canceledNow);

        if (canceledNow == 0 && all.Count > 0)
        {
            return ApiOutcome.Fail(NotCancelable(messageId, "Every recipient has already been handed to a carrier."));
        }

        var credit = await ledger.GetBalanceAsync(accountId, CancellationToken.None);
        return ApiOutcome.Success(StatusCodes.Status200OK, new CancellationEnvelope(
            canceledNumbers, true, $"{messageId} Deleted", ApiEnvelope.Money(credit), null,
            rolled.ToApiName(), canceledNow, all.Count - canceledNow, notCanceled));
    }

    /// <summary>
    /// CANCELED events for the recipients this cancel changes: before it (<paramref name="results"/> null: every
    /// cancelable recipient, as replays) or after it (those it did cancel).
    /// </summary>
    private static List<SmsFunctions.App.Pipeline.CallbackEvent> CanceledEvents(
        string accountId, string messageId, List<RecipientEntity> all, bool[] wasCancelable, DateTimeOffset now, bool replay, RecipientState[]? results = null)
    {
        var events = new List<SmsFunctions.App.Pipeline.CallbackEvent>();
        for (var i = 0; i < all.Count; i++)
        {
            if (wasCancelable[i] && (results is null || results[i] == RecipientState.Canceled))
            {
                events.Add(new SmsFunctions.App.Pipeline.CallbackEvent(accountId, messageId, all[i].Number, RecipientState.Canceled.ToApiName(), now, Replay: replay));
            }
        }

        return events;
    }

    /// <summary>Cancels every cancelable recipient of <paramref name="all"/> (rows updated in place); each one's state
    /// afterwards. Through the owner of recipient rows: a <see cref="Cancel"/> per recipient, group-committed per shard,
    /// decided again on a conflict (a dispatcher's claim wins or loses cleanly).</summary>
    private async Task<RecipientState[]> CancelRecipientsAsync(string messageId, List<RecipientEntity> all, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var results = new RecipientState[all.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, all.Count), new ParallelOptions { MaxDegreeOfParallelism = Concurrency * 100, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var row = all[i];
            if (!Parse(row.State).IsCancelable())
            {
                results[i] = Parse(row.State);
                return;
            }

            var outcome = await owner.ApplyAsync(row, new Cancel(now), cancellationToken: CancellationToken.None);
            if (outcome.Row is { } current)
            {
                row.State = current.State;
                row.ETag = current.ETag;
            }

            results[i] = Parse(row.State);
        });
        return results;
    }

    /// <summary>
    /// (3) Writes the rolled-up state and counts. A final state is marked <see cref="DispatchStates.Canceling"/> until
    /// <see cref="FinishAsync"/>; returns the written message in that case, else null.
    /// </summary>
    private async Task<MessageEntity?> UpdateMessageAsync(string accountId, string messageId, MessageState rolled, RecipientStateCounts counts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var message = await messages.GetAsync(accountId, messageId, cancellationToken);
            if (message is null)
            {
                return null;
            }

            message.State = rolled.ToApiName();
            message.StateCountsJson = MessageJson.Serialize(MessageJson.Counts(counts));
            message.CancelledAt ??= now;
            message.UpdatedAt = now;
            if (rolled.IsTerminal())
            {
                message.DispatchState = DispatchStates.Canceling;
            }

            if (await messages.TryReplaceAsync(message, cancellationToken))
            {
                return rolled.IsTerminal() ? message : null;
            }
        }

        return null;
    }

    /// <summary>(6) Clears the <see cref="DispatchStates.Canceling"/> mark: nothing is left to do for this cancel.</summary>
    private async Task FinishAsync(string accountId, string messageId, RecipientStateCounts counts, MessageEntity written, CancellationToken cancellationToken)
    {
        var dispatchState = counts.Canceled == counts.Total ? DispatchStates.None : DispatchStates.Dispatched;
        var etag = written.ETag;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var patch = new Azure.Data.Tables.TableEntity(written.PartitionKey, written.RowKey) { [nameof(MessageEntity.DispatchState)] = dispatchState };
            if (await messages.TryMergeAsync(patch, etag, cancellationToken) is not null)
            {
                return;
            }

            var current = await messages.GetAsync(accountId, messageId, cancellationToken);
            if (current is null || current.DispatchState != DispatchStates.Canceling)
            {
                return;
            }

            etag = current.ETag;
        }
    }

    private static RecipientState Parse(string state)
        => LifecycleApiNames.TryParseApiName(state, out RecipientState parsed) ? parsed : RecipientState.Queued;

    private static IResult NotCancelable(string messageId, string reason) => ApiProblem.Create(
        StatusCodes.Status409Conflict, ApiErrorCodes.MessageNotCancelable, "The message cannot be canceled.", reason,
        new Dictionary<string, object?> { ["messageId"] = messageId });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Canceled message {MessageId}, but its {Count} CANCELED callbacks could not be queued now ({Error}); the replays queued before the cancel report them")]
    private partial void LogCallbacksDeferred(string messageId, int count, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Canceled message {MessageId} of {AccountId}: {Canceled} recipients canceled, {Kept} already sent")]
    private partial void LogCanceled(string messageId, string accountId, int canceled, int kept);
}

/// <summary>
/// The answer of <c>DELETE /messages/{id}</c>: seed 003's envelope with <c>data</c> the numbers whose sending was
/// cancelled, then the message's state, how many were cancelled or not, and (at most 100) of those not cancelled.
/// </summary>
public sealed record CancellationEnvelope(
    IReadOnlyList<string> Data,
    bool Success,
    string Message,
    string? Credit,
    int? Error,
    string State,
    int Canceled,
    int NotCanceled,
    IReadOnlyList<RecipientSummaryView> NotCanceledRecipients);
