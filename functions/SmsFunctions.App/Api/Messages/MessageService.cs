using System.Globalization;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Common;
using SmsFunctions.Core.ContentPolicy;
using SmsFunctions.Core.Encoding;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Pricing;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Scheduling;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Api.Messages;

/// <summary>
/// <c>POST /messages</c>: validate (Core's <see cref="SendPlanner"/>), apply the content policy, then write the outbox
/// row, charge (<c>charge:{messageId}</c>, once), store recipients and message, and tell the pipeline. Nothing is
/// stored or charged for a request that is refused; once the outbox row is written nothing uses the client's token,
/// and nothing is refunded on the spot: a request that fails after it is finished by its retry (Idempotency-Key) or
/// settled by the orphan check (<see cref="AcceptanceRecovery"/>).
/// </summary>
public sealed partial class MessageService(
    AccountStore accounts,
    CreditLedger ledger,
    MessageStore messages,
    RecipientStore recipients,
    ScheduleIndex schedule,
    IAcceptedMessageNotifier notifier,
    ContentPolicyProvider policy,
    PriceListProvider prices,
    IOptions<PricingOptions> pricing,
    IOptions<ApiOptions> apiOptions,
    TimeProvider time,
    IOptionsMonitor<SmsFunctions.App.Callbacks.CallbackOptions> callbackOptions,
    IOptionsMonitor<SmsFunctions.App.Pipeline.PipelineOptions> pipelineOptions,
    SmsFunctions.Storage.Idempotency.IdempotencyStore idempotency,
    SmsFunctions.App.Pipeline.AcceptanceRecovery recovery,
    SmsFunctions.Storage.Inbound.OptOutStore optOuts,
    ILogger<MessageService> logger)
{
    /// <summary>
    /// Validates, prices, charges and stores a send. <paramref name="minimumCreditPerPart"/> (seed 002's
    /// <c>/WW-messages</c>): the account must hold at least this much per message part before a send (not a dry run).
    /// </summary>
    /// <param name="bypassOptOut">Send even to numbers on the opt-out list: only the confirmation of a STOP.</param>
    public async Task<ApiOutcome> SubmitAsync(
        string accountId, SendRequest request, RequestFields fields, CancellationToken cancellationToken, SubmitAttempt? attempt = null,
        decimal minimumCreditPerPart = 0m, bool bypassOptOut = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(fields);
        var account = await accounts.GetRecentAsync(accountId, cancellationToken);
        if (account is null)
        {
            return ApiOutcome.Fail(ApiProblem.Create(StatusCodes.Status403Forbidden, ApiErrorCodes.AccountNotFound, "The token's account does not exist."));
        }

        var now = time.GetUtcNow();
        ValidateSchedule(request.ScheduledAt, now, fields);
        if (request.Callback is { } callback
            && await SmsFunctions.App.Callbacks.CallbackTargetGuard.SubmissionProblemAsync(callback.Url, callbackOptions.CurrentValue.AllowPrivateNetworks, cancellationToken) is { } target)
        {
            fields.Invalid(ApiErrorCodes.InvalidCallbackUrl, "callback.url", target);
        }

        var draft = new SendDraft(
            request.Sender, request.Body, request.Recipients ?? [], request.Priority ?? Priority.Default,
            request.Type ?? MessageType.Transactional, request.SmartEncoding, request.FailOnMultipleMessages);
        var priceList = prices.For(account);
        var plan = SendPlanner.Plan(draft, priceList, await policy.GetAsync(cancellationToken),
            new SendPlannerOptions(MaxRecipients: apiOptions.Value.MaxRecipientsPerRequest));

        // Suppression: opted-out recipients are neither sent nor charged (an account may let OTPs through).
        var type = request.Type ?? MessageType.Transactional;
        if (plan.Recipients.Count > 0 && !bypassOptOut && !(type == MessageType.Otp && account.OtpBypassesOptOut)
            && await optOuts.GetSetAsync(accountId, cancellationToken: cancellationToken) is { Count: > 0 } optedOut)
        {
            plan = OptOutFilter.Apply(plan, optedOut.Contains);
        }

        AddPlanErrors(fields, plan);

        if (fields.Errors.Count > 0)
        {
            return ApiOutcome.Fail(PlanProblem(fields, plan));
        }

        var initial = request.Transaction == true ? RecipientState.Draft
            : request.ScheduledAt is not null ? RecipientState.Scheduled
            : RecipientState.Queued;
        if (plan.Policy.Blocked)
        {
            initial = RecipientState.Blocked;
        }

        if (request.DryRun)
        {
            var balance = await ledger.GetBalanceAsync(accountId, cancellationToken);
            var view = MessageViews.FromPlan(plan, request, account.Name, initial.ToApiName(), now);
            return ApiOutcome.Success(StatusCodes.Status200OK,
                ApiEnvelope.Ok(view, "Dry run: nothing was stored, charged or sent", balance));
        }

        if (account.Blocked)
        {
            return ApiOutcome.Fail(AccountBlocked(account));
        }

        if (minimumCreditPerPart > 0 && attempt is not { Resumed: true })
        {
            // A threshold, not a charge: the debit below still guards the balance atomically.
            var required = minimumCreditPerPart * Math.Max(1, plan.MessageCount);
            var available = await ledger.GetBalanceAsync(accountId, cancellationToken) ?? 0m;
            if (available < required)
            {
                return ApiOutcome.Fail(BelowMinimumCredit(required, available, minimumCreditPerPart, plan.MessageCount, priceList.Currency));
            }
        }

        var shardDigit = RecipientKeys.ShardDigitFor(plan.Recipients.Count);
        var messageId = attempt is null ? MessageId.New(time, null, shardDigit) : MessageId.Of(attempt.StartedAt, attempt.Seed, shardDigit);
        var dueAt = initial == RecipientState.Draft ? (DateTimeOffset?)null : request.ScheduledAt ?? now;
        var rows = RecipientRows(messageId, accountId, plan, initial, now);
        if (attempt is { Resumed: true })
        {
            // The first attempt of this request never answered: answer from what it stored, or finish it.
            var stored = await messages.GetIncludingAbandonedAsync(accountId, messageId, CancellationToken.None);
            if (stored is { AbandonedAt: not null })
            {
                return ApiOutcome.Fail(Abandoned(messageId));
            }

            if (stored is not null)
            {
                if (plan.Policy.Blocked)
                {
                    return await BlockAsync(account, messageId, request, plan, now, resumed: true);
                }

                LogResumed(messageId, accountId, "answered from what it stored");
                return Accepted(stored, rows, initial, plan, priceList, await ledger.GetBalanceAsync(accountId, CancellationToken.None));
            }

            LogResumed(messageId, accountId, "finishing it");
        }

        if (plan.Policy.Blocked)
        {
            return await BlockAsync(account, messageId, request, plan, now, attempt?.Resumed ?? false);
        }

        if (attempt is { Resumed: false } && time.GetUtcNow() - attempt.StartedAt > idempotency.ChargeDeadline)
        {
            // Too late to start charging: a retry may already be resuming this request elsewhere. Nothing is written;
            // the key stays pending and the client's retry finishes the request.
            throw new TimeoutException($"Message {messageId}: the request took too long to reach its charge; retry it with the same Idempotency-Key.");
        }

        // From the first write on, nothing is written with the client's token: a client that goes away must not leave
        // half a send behind (charged and never sent, or sent and refunded).
        // 1. The outbox row, before anything can strand a charged message: a request that dies after it is finished by
        //    its retry (same id, same charge) or, if it never comes, the row finds no message after the orphan grace,
        //    and whatever was charged is refunded (AcceptanceRecovery). A draft's row only comes back to check that.
        var outboxDue = dueAt ?? now + pipelineOptions.CurrentValue.OrphanGrace;
        var outboxKey = dueAt is null ? SmsFunctions.App.Pipeline.ScheduledDispatch.OrphanCheckPrefix + messageId : messageId;
        await schedule.AddAsync(accountId, outboxKey, outboxDue, plan.Band, rows.Count, CancellationToken.None);

        // 2. The charge: one change with the message's id, applied once however often this request is resumed.
        var debit = await ledger.TryDebitAsync(accountId, plan.TotalPrice, LedgerKinds.Charge, messageId,
            changeId: LedgerChangeIds.Charge(messageId), at: MessageId.CreatedAt(messageId), verify: attempt?.Resumed ?? false);
        if (!debit.Succeeded)
        {
            await RemoveOutboxQuietlyAsync(outboxKey, outboxDue);
            return ApiOutcome.Fail(InsufficientCredit(plan.TotalPrice, debit, priceList.Currency));
        }

        // 3. Recipients, then the message: the message row is the acceptance. A failure here is never refunded on the
        //    spot (the write may have happened); the retry or the orphan check settles it.
        var message = NewEntity(account, messageId, request, plan, initial, now, dueAt);
        await recipients.InsertNewAsync(messageId, rows, CancellationToken.None);
        if (await InsertMessageAsync(message) is { AbandonedAt: not null })
        {
            // Given up by the orphan check while this (late) retry was charging: the charge goes back, once.
            await recovery.SettleAsync(accountId, messageId);
            return ApiOutcome.Fail(Abandoned(messageId));
        }

        if (dueAt is { } due)
        {
            // The Schedule row is the outbox: the hand-off to the dispatch queue (a group commit, or the fan-out of a
            // bulk message) need not hold up the answer. If this process dies first, the sweep sends it.
            var accepted = new AcceptedMessage(accountId, messageId, due, plan.Band, rows.Count, message, rows);
            _ = Task.Run(() => NotifyAsync(accepted, CancellationToken.None), CancellationToken.None);
        }

        LogAccepted(messageId, accountId, rows.Count, plan.TotalPrice, message.State);
        return Accepted(message, rows, initial, plan, priceList, debit.Balance);
    }

    private static ApiOutcome Accepted(MessageEntity message, List<RecipientEntity> rows, RecipientState initial, SendPlan plan, PriceList priceList, decimal? balance)
    {
        var summary = rows.Take(MessageViews.SummaryLimit).Select(r => new RecipientSummaryView(r.Number, r.State, TableValues.ParseMoney(r.Price), r.Parts)).ToList();
        var result = MessageViews.From(message, RecipientStateCounts.Of(initial, rows.Count), summary, priceList.Currency) with
        {
            SmartReplacements = MessageViews.Replacements(plan),
        };
        // Seed 003 answers every accepted send "Message Queued", scheduled or in an open transaction alike (the state says which).
        return ApiOutcome.Success(StatusCodes.Status201Created, ApiEnvelope.Ok(result, "Message Queued", balance), $"/api/messages/{message.Id}");
    }

    /// <summary>Inserts the message row; when it is there already (a lost answer, or an earlier attempt of this request),
    /// the row found is returned, so the caller can tell a tombstone from its own message.</summary>
    private async Task<MessageEntity?> InsertMessageAsync(MessageEntity message)
    {
        try
        {
            await messages.InsertAsync(message, CancellationToken.None);
            return message;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 409)
        {
            return await messages.GetIncludingAbandonedAsync(message.AccountId, message.Id, CancellationToken.None);
        }
    }

    private async Task RemoveOutboxQuietlyAsync(string rowKey, DateTimeOffset due)
    {
        try
        {
            await schedule.RemoveAsync(rowKey, due, CancellationToken.None);
        }
#pragma warning disable CA1031 // Left behind, the row finds no message after the orphan grace and is removed then.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogOutboxLeft(ex, rowKey);
        }
    }

    internal static IResult Abandoned(string messageId) => ApiProblem.Create(StatusCodes.Status409Conflict, ApiErrorCodes.IdempotentRequestAbandoned,
        "The first attempt of this request was abandoned.",
        $"Message {messageId} was never stored and whatever it was charged has been refunded. Send it again with a new Idempotency-Key.");

    /// <summary>Seed 002: a message with forbidden content is stored as blocked, a penalty per part is charged and the account is blocked.</summary>
    internal async Task<ApiOutcome> BlockAsync(AccountEntity account, string messageId, SendRequest request, SendPlan plan, DateTimeOffset now, bool resumed)
    {
        // Nothing is sent, so nothing can be stranded: the message is stored first (what the penalty is for), then
        // the penalty (once per message, whatever happens), then the account is blocked. A retry redoes each step.
        var penalty = PenaltyCalculator.PenaltyFor(Math.Max(1, plan.MessageCount), pricing.Value.PenaltyPerPart);
        var message = NewEntity(account, messageId, request, plan, RecipientState.Blocked, now, dueAt: null);
        message.Penalty = TableValues.Money(penalty);
        message.Blocklisted = true;
        message.BlocklistedReason = plan.Policy.Reason;
        message.DispatchState = DispatchStates.None;
        var rows = RecipientRows(messageId, account.Id, plan, RecipientState.Blocked, now);
        await recipients.InsertNewAsync(messageId, rows, CancellationToken.None);
        message = await InsertMessageAsync(message) ?? message;
        var taken = await ledger.DebitUpToAsync(account.Id, penalty, LedgerKinds.Penalty, messageId,
            changeId: LedgerChangeIds.Penalty(messageId), at: MessageId.CreatedAt(messageId), verify: resumed);
        await accounts.SetBlockedAsync(account.Id, true, $"Message {messageId} was blocked: {plan.Policy.Reason}", CancellationToken.None);
        LogBlocked(messageId, account.Id, plan.Policy.Term ?? string.Empty, penalty);
        var view = MessageViews.From(message, RecipientStateCounts.Of(RecipientState.Blocked, rows.Count), currency: plan.Currency);
        var envelope = ApiEnvelope.Failed(view,
            $"Message blocked by the content policy: {plan.Policy.Reason} A penalty of {penalty.ToString(CultureInfo.InvariantCulture)} was charged and the account is blocked until an administrator unblocks it.",
            TableValues.Money(taken.Balance), ErrorCodes.ContentBlocked, StatusCodes.Status201Created);
        return ApiOutcome.Success(StatusCodes.Status201Created, envelope, $"/api/messages/{messageId}");
    }

    internal static IResult AccountBlocked(AccountEntity account) => ApiProblem.Create(StatusCodes.Status403Forbidden, ApiErrorCodes.AccountBlocked,
        "The account is blocked.", account.BlockedReason is { Length: > 0 } reason ? reason + " Ask an administrator to unblock it." : "Ask an administrator to unblock it.");

    internal static IResult InsufficientCredit(decimal required, DebitResult debit, string currency) => ApiProblem.Create(
        StatusCodes.Status402PaymentRequired, ApiErrorCodes.InsufficientCredit, "Not enough credit.",
        string.Create(CultureInfo.InvariantCulture, $"The message costs {required} {currency}; the account has {debit.Balance}. Top up at least {debit.Shortfall}."),
        new Dictionary<string, object?>
        {
            ["required"] = required,
            ["available"] = debit.Balance,
            ["shortfall"] = debit.Shortfall,
            ["currency"] = currency,
        });

    internal static IResult BelowMinimumCredit(decimal required, decimal available, decimal perPart, int parts, string currency) => ApiProblem.Create(
        StatusCodes.Status402PaymentRequired, ApiErrorCodes.InsufficientCredit, "Not enough credit.",
        string.Create(CultureInfo.InvariantCulture, $"Sending here needs a credit of at least {required} {currency} ({perPart} per part × {parts} parts); the account has {available}. Top up at least {required - available}."),
        new Dictionary<string, object?>
        {
            ["required"] = required,
            ["available"] = available,
            ["shortfall"] = required - available,
            ["currency"] = currency,
            ["minimumCreditPerPart"] = perPart,
            ["messageCount"] = parts,
        });

    internal static IResult PlanProblem(RequestFields fields, SendPlan? plan)
    {
        var extensions = new Dictionary<string, object?>();
        if (plan is not null && plan.InvalidRecipients.Count > 0)
        {
            extensions["invalidRecipients"] = plan.InvalidRecipients.Take(MessageJson.MaxStoredInvalidRecipients)
                .Select(i => new InvalidRecipientView(i.Input, i.Code, i.Reason)).ToList();
        }

        if (plan is not null && fields.Errors.Any(e => e.Code == ErrorCodes.AlertMultipleMessages))
        {
            extensions["messageCount"] = plan.MessageCount;
            extensions["encoding"] = plan.Encoding.ToApiName();
            extensions["nonGsmCharacters"] = SegmentCounter.NonGsmCharacters(plan.Body);
        }

        var status = fields.Errors.Any(e => e.Code == ErrorCodes.TooManyRecipients) ? StatusCodes.Status413PayloadTooLarge : fields.Status;
        return ApiProblem.Validation(status, fields.Errors, extensions);
    }

    /// <summary>Adds the plan's errors, except those about a field the reader already reported (a wrong type there leaves it empty).</summary>
    internal static void AddPlanErrors(RequestFields fields, SendPlan plan)
    {
        var reported = fields.Errors.Select(e => Root(e.Field)).ToHashSet(StringComparer.Ordinal);
        foreach (var error in plan.Errors)
        {
            if (!reported.Contains(Root(error.Field)))
            {
                fields.Add(error.ToFieldError());
            }
        }

        static string Root(string field)
        {
            var end = field.IndexOfAny(['.', '[']);
            var root = end < 0 ? field : field[..end];
            return root switch
            {
                "message" => "body",
                "recipient" => "recipients",
                _ => root,
            };
        }
    }

    internal void ValidateSchedule(DateTimeOffset? scheduledAt, DateTimeOffset now, RequestFields fields)
    {
        if (scheduledAt is not { } at)
        {
            return;
        }

        if (at <= now)
        {
            fields.Invalid(ApiErrorCodes.ScheduleInPast, "scheduledAt", "'scheduledAt' must be in the future.");
        }
        else if (at > now + apiOptions.Value.MaxScheduleAhead)
        {
            fields.Invalid(ApiErrorCodes.ScheduleTooFar, "scheduledAt",
                string.Create(CultureInfo.InvariantCulture, $"'scheduledAt' can be at most {apiOptions.Value.MaxScheduleAhead.TotalDays:0} days ahead."));
        }
    }

    internal static List<RecipientEntity> RecipientRows(string messageId, string accountId, SendPlan plan, RecipientState state, DateTimeOffset now)
    {
        var stateName = state.ToApiName();
        var rows = new List<RecipientEntity>(plan.Recipients.Count);
        foreach (var r in plan.Recipients)
        {
            rows.Add(new RecipientEntity
            {
                PartitionKey = RecipientKeys.PartitionKey(messageId, r.Number),
                RowKey = r.Number,
                AccountId = accountId,
                State = stateName,
                Price = TableValues.Money(r.Price),
                Parts = r.Segments.MessageCount,
                CountryCode = r.Recipient.CountryCode,
                FieldsJson = r.Fields is { Count: > 0 } f ? MessageJson.Serialize(f) : null,
                UpdatedAt = now,
            });
        }

        return rows;
    }

    private static MessageEntity NewEntity(AccountEntity account, string messageId, SendRequest request, SendPlan plan, RecipientState initial, DateTimeOffset now, DateTimeOffset? dueAt)
    {
        var first = plan.Recipients.Count > 0 ? plan.Recipients[0] : null;
        var validity = request.ValidityPeriodMinutes;
        return new MessageEntity
        {
            PartitionKey = MessageEntity.PartitionKeyOf(account.Id, messageId),
            RowKey = messageId,
            Username = account.Name,
            State = ToMessageState(initial).ToApiName(),
            DispatchState = dueAt is null ? DispatchStates.None : DispatchStates.Pending,
            Sender = request.Sender?.Trim() ?? string.Empty,
            Recipient = first?.Number,
            RecipientCount = plan.Recipients.Count,
            InternationalPrefix = first?.Recipient.InternationalPrefix,
            CountryCode = first?.Recipient.CountryCode,
            Body = plan.Body,
            Encoding = plan.Encoding.ToApiName(),
            CharactersCount = plan.CharactersCount,
            MessageCount = plan.MessageCount,
            Price = TableValues.Money(first?.Price ?? 0m),
            TotalPrice = TableValues.Money(plan.TotalPrice),
            OptionsJson = MessageJson.Serialize(request.Options),
            CallbackJson = request.Callback is null ? null : MessageJson.Serialize(request.Callback),
            Type = (request.Type ?? MessageType.Transactional).ToApiName(),
            Priority = TableValues.Money(request.Priority ?? Priority.Default),
            Band = plan.Band.ToString(),
            Flash = request.Flash ?? false,
            SmartEncoding = request.SmartEncoding,
            ScheduledAt = request.ScheduledAt,
            DueAt = dueAt,
            ValidityPeriodMinutes = validity,
            ValidUntil = validity is { } minutes && dueAt is { } due ? due.AddMinutes(minutes) : null,
            InvalidRecipientsJson = MessageJson.InvalidRecipients(plan.InvalidRecipients),
            InvalidRecipientCount = plan.InvalidRecipients.Count,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    internal static MessageState ToMessageState(RecipientState state) => state switch
    {
        RecipientState.Draft => MessageState.Draft,
        RecipientState.Scheduled => MessageState.Scheduled,
        RecipientState.Blocked => MessageState.Blocked,
        RecipientState.Canceled => MessageState.Canceled,
        _ => MessageState.Queued,
    };

    internal async Task NotifyAsync(AcceptedMessage accepted, CancellationToken cancellationToken)
    {
        try
        {
            await notifier.NotifyAcceptedAsync(accepted, cancellationToken);
        }
#pragma warning disable CA1031 // The Schedule row is the outbox: a failed notification must never fail an accepted send.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogNotifyFailed(ex, accepted.MessageId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Accepted message {MessageId} of {AccountId}: {Recipients} recipients, {TotalPrice} charged, {State}")]
    private partial void LogAccepted(string messageId, string accountId, int recipients, decimal totalPrice, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blocked message {MessageId} of {AccountId} for the term {Term}; penalty {Penalty}; account blocked")]
    private partial void LogBlocked(string messageId, string accountId, string term, decimal penalty);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resumed message {MessageId} of {AccountId} (its first attempt never answered): {What}")]
    private partial void LogResumed(string messageId, string accountId, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the outbox row of refused message {MessageId}; the orphan check removes it")]
    private partial void LogOutboxLeft(Exception exception, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not notify the pipeline of message {MessageId}; the scheduler's sweep will pick it up")]
    private partial void LogNotifyFailed(Exception exception, string messageId);
}
