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
/// </summary>
public sealed partial class MessageCanceller(
    MessageStore messages,
    RecipientStore recipients,
    ScheduleIndex schedule,
    CreditLedger ledger,
    SmsFunctions.App.Pipeline.CallbackEnqueuer callbacks,
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

        if (!LifecycleApiNames.TryParseApiName(message.State, out MessageState state) || state.IsTerminal())
        {
            return ApiOutcome.Fail(NotCancelable(messageId, $"The message is {message.State}; there is nothing left to cancel."));
        }

        // Take the outbox row away first so that the scheduler does not hand the message on while we cancel.
        if (message.DueAt is { } dueAt)
        {
            await schedule.RemoveAsync(messageId, dueAt, cancellationToken);
        }

        var all = new List<RecipientEntity>();
        await foreach (var row in recipients.QueryAsync(messageId, cancellationToken: cancellationToken))
        {
            all.Add(row);
        }

        var now = time.GetUtcNow();
        var results = new RecipientState[all.Count];
        var wasCancelable = all.Select(r => Parse(r.State).IsCancelable()).ToArray();
        var chunks = Enumerable.Range(0, (all.Count + 99) / 100);
        await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (chunk, ct) =>
        {
            var start = chunk * 100;
            var slice = all.GetRange(start, Math.Min(100, all.Count - start));
            await CancelChunkAsync(messageId, slice, now, ct);
            for (var i = 0; i < slice.Count; i++)
            {
                results[start + i] = Parse(slice[i].State);
            }
        });

        var counts = default(RecipientStateCounts);
        var notCanceled = new List<RecipientSummaryView>();
        var canceledNow = 0;
        for (var i = 0; i < all.Count; i++)
        {
            counts = counts.Add(results[i], 1);
            if (results[i] == RecipientState.Canceled)
            {
                canceledNow++;
            }
            else if (notCanceled.Count < ReportLimit)
            {
                notCanceled.Add(new RecipientSummaryView(all[i].Number, all[i].State, TableValues.ParseMoney(all[i].Price), all[i].Parts));
            }
        }

        var rolled = MessageStateRollup.From(counts);
        await UpdateMessageAsync(accountId, messageId, rolled, counts, now, cancellationToken);
        if (canceledNow > 0 && !string.IsNullOrEmpty(message.CallbackJson))
        {
            // CANCELED is a final state like any other: the webhook hears of it (one event per recipient canceled now).
            var events = new List<SmsFunctions.App.Pipeline.CallbackEvent>(canceledNow);
            for (var i = 0; i < all.Count; i++)
            {
                if (results[i] == RecipientState.Canceled && wasCancelable[i])
                {
                    events.Add(new SmsFunctions.App.Pipeline.CallbackEvent(accountId, messageId, all[i].Number, RecipientState.Canceled.ToApiName(), now));
                }
            }

            await callbacks.EnqueueAsync(events, cancellationToken: CancellationToken.None);
        }

        LogCanceled(messageId, accountId, canceledNow, all.Count - canceledNow);

        if (canceledNow == 0 && all.Count > 0)
        {
            return ApiOutcome.Fail(NotCancelable(messageId, "Every recipient has already been handed to a carrier."));
        }

        var credit = await ledger.GetBalanceAsync(accountId, cancellationToken);
        var data = new CancellationView(messageId, rolled.ToApiName(), canceledNow, all.Count - canceledNow, notCanceled);
        return ApiOutcome.Success(StatusCodes.Status200OK, ApiEnvelope.Ok(data, $"{messageId} Deleted", credit));
    }

    private async Task CancelChunkAsync(string messageId, List<RecipientEntity> slice, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var changes = slice.Where(r => Parse(r.State).IsCancelable()).ToList();
        if (changes.Count == 0)
        {
            return;
        }

        var previous = changes.Select(r => r.State).ToList();
        foreach (var row in changes)
        {
            row.State = RecipientState.Canceled.ToApiName();
            row.UpdatedAt = now;
        }

        if (await recipients.TryReplaceBatchAsync(messageId, changes, cancellationToken))
        {
            return;
        }

        // Someone (a dispatcher) changed one of them: decide again recipient by recipient.
        for (var i = 0; i < changes.Count; i++)
        {
            changes[i].State = previous[i];
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var current = await recipients.GetAsync(messageId, changes[i].Number, cancellationToken);
                if (current is null || !RecipientStateMachine.TryApply(Parse(current.State), RecipientState.Canceled, out _))
                {
                    if (current is not null)
                    {
                        Copy(current, changes[i]);
                    }

                    break;
                }

                current.State = RecipientState.Canceled.ToApiName();
                current.UpdatedAt = now;
                if (await recipients.TryReplaceAsync(current, cancellationToken))
                {
                    Copy(current, changes[i]);
                    break;
                }
            }
        }
    }

    private async Task UpdateMessageAsync(string accountId, string messageId, MessageState rolled, RecipientStateCounts counts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var message = await messages.GetAsync(accountId, messageId, cancellationToken);
            if (message is null)
            {
                return;
            }

            message.State = rolled.ToApiName();
            message.StateCountsJson = MessageJson.Serialize(MessageJson.Counts(counts));
            message.CancelledAt = now;
            message.UpdatedAt = now;
            if (counts.Canceled == counts.Total)
            {
                message.DispatchState = DispatchStates.None;
            }

            if (await messages.TryReplaceAsync(message, cancellationToken))
            {
                return;
            }
        }
    }

    private static void Copy(RecipientEntity from, RecipientEntity to)
    {
        to.State = from.State;
        to.ETag = from.ETag;
    }

    private static RecipientState Parse(string state)
        => LifecycleApiNames.TryParseApiName(state, out RecipientState parsed) ? parsed : RecipientState.Queued;

    private static IResult NotCancelable(string messageId, string reason) => ApiProblem.Create(
        StatusCodes.Status409Conflict, ApiErrorCodes.MessageNotCancelable, "The message cannot be canceled.", reason,
        new Dictionary<string, object?> { ["messageId"] = messageId });

    [LoggerMessage(Level = LogLevel.Information, Message = "Canceled message {MessageId} of {AccountId}: {Canceled} recipients canceled, {Kept} already sent")]
    private partial void LogCanceled(string messageId, string accountId, int canceled, int kept);
}

/// <summary>What a cancellation did: how many recipients were canceled and which (first 100) were already sent.</summary>
public sealed record CancellationView(string Id, string State, int Canceled, int NotCanceled, IReadOnlyList<RecipientSummaryView> NotCanceledRecipients);
