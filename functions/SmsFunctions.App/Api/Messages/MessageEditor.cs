using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Common;
using SmsFunctions.Core.ContentPolicy;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Pricing;
using SmsFunctions.Core.Recipients;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Scheduling;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Api.Messages;

/// <summary>
/// <c>PUT /messages/{id}</c> (seed 003 "Integrazione dei messaggi"): while a transaction is open, add recipients
/// (priced and charged as added), change <c>scheduledAt</c>, and close it with <c>transaction: false</c>; for a
/// scheduled message not yet queued, move <c>scheduledAt</c>. Anything else is a 409 with the reason.
/// </summary>
public sealed class MessageEditor(
    MessageService service,
    AccountStore accounts,
    CreditLedger ledger,
    MessageStore messages,
    RecipientStore recipients,
    ScheduleIndex schedule,
    ContentPolicyProvider policy,
    PriceListProvider prices,
    IOptions<ApiOptions> apiOptions,
    IOptions<PricingOptions> pricing,
    TimeProvider time)
{
    private const int MaxAttempts = 10;
    private static readonly string Draft = MessageState.Draft.ToApiName();
    private static readonly string Scheduled = MessageState.Scheduled.ToApiName();

    public async Task<ApiOutcome> UpdateAsync(string accountId, string messageId, SendRequest request, RequestFields fields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(fields);
        var now = time.GetUtcNow();
        service.ValidateSchedule(request.ScheduledAt, now, fields);
        if (fields.Errors.Count > 0)
        {
            return ApiOutcome.Fail(ApiProblem.Validation(fields.Status, fields.Errors));
        }

        var message = await messages.GetAsync(accountId, messageId, cancellationToken);
        if (message is null)
        {
            return ApiOutcome.Fail(MessagesApi.NotFound(messageId));
        }

        if (message.State == Draft)
        {
            return await UpdateDraftAsync(accountId, message, request, fields, cancellationToken);
        }

        if (message.State == Scheduled && message.DispatchState == DispatchStates.Pending)
        {
            if (request.Recipients is not null || request.Transaction == true)
            {
                return ApiOutcome.Fail(Conflict(messageId, "The transaction is closed: recipients can only be added while it is open (transaction: true on the first POST)."));
            }

            if (request.ScheduledAt is { } at)
            {
                var moved = await RescheduleAsync(accountId, messageId, at, cancellationToken);
                if (moved is null)
                {
                    return ApiOutcome.Fail(Conflict(messageId, "The message was queued for sending while it was being changed."));
                }

                message = moved;
            }

            return await UpdatedAsync(accountId, message, cancellationToken);
        }

        return ApiOutcome.Fail(Conflict(messageId,
            $"The message is {message.State}: only an open transaction (DRAFT) or a scheduled message not yet queued can be changed."));
    }

    private async Task<ApiOutcome> UpdateDraftAsync(string accountId, MessageEntity message, SendRequest request, RequestFields fields, CancellationToken cancellationToken)
    {
        var account = await accounts.GetAsync(accountId, cancellationToken);
        if (account is null)
        {
            return ApiOutcome.Fail(ApiProblem.Create(StatusCodes.Status403Forbidden, ApiErrorCodes.AccountNotFound, "The token's account does not exist."));
        }

        if (account.Blocked)
        {
            return ApiOutcome.Fail(MessageService.AccountBlocked(account));
        }

        if (request.Recipients is { } added)
        {
            var outcome = await AddRecipientsAsync(account, message, added, fields, cancellationToken);
            if (outcome is not null)
            {
                return outcome;
            }
        }

        for (var attempt = 0; request.ScheduledAt is { } at && attempt < MaxAttempts; attempt++)
        {
            var current = await messages.GetAsync(accountId, message.Id, cancellationToken) ?? message;
            current.ScheduledAt = at;
            current.UpdatedAt = time.GetUtcNow();
            if (await messages.TryReplaceAsync(current, cancellationToken))
            {
                break;
            }
        }

        if (request.Transaction == false)
        {
            return await CloseAsync(accountId, message.Id, cancellationToken);
        }

        var latest = await messages.GetAsync(accountId, message.Id, cancellationToken) ?? message;
        return await UpdatedAsync(accountId, latest, cancellationToken);
    }

    /// <returns>Null when the recipients were added; otherwise the answer to give.</returns>
    private async Task<ApiOutcome?> AddRecipientsAsync(AccountEntity account, MessageEntity message, IReadOnlyList<RecipientInput> added, RequestFields fields, CancellationToken cancellationToken)
    {
        var existing = await recipients.NumbersAsync(message.Id, cancellationToken);
        if (added.Count > apiOptions.Value.MaxRecipientsPerRequest)
        {
            return ApiOutcome.Fail(MessagesApi.TooManyRecipients(apiOptions.Value.MaxRecipientsPerRequest));
        }

        var options = MessageJson.Deserialize<MessageOptionsDto>(message.OptionsJson);
        var draft = new SendDraft(message.Sender, message.Body, added, TableValues.ParseMoney(message.Priority),
            MessageTypeExtensions.TryParseApiName(message.Type, out var type) ? type : MessageType.Transactional,
            SmartEncoding: false, FailOnMultipleMessages: options?.FailOnMultipleMessages ?? false);
        var priceList = prices.For(account);
        var plan = SendPlanner.Plan(draft, priceList, await policy.GetAsync(cancellationToken),
            new SendPlannerOptions(MaxRecipients: Math.Max(1, apiOptions.Value.MaxRecipientsPerRequest - existing.Count)));
        MessageService.AddPlanErrors(fields, plan);
        if (fields.Errors.Count > 0)
        {
            return ApiOutcome.Fail(MessageService.PlanProblem(fields, plan));
        }

        var now = time.GetUtcNow();
        if (plan.Policy.Blocked)
        {
            // A forbidden word arriving through a later recipient's fields blocks the message like on the first POST.
            return await BlockDraftAsync(account, message, plan, now, cancellationToken);
        }

        var fresh = plan.Recipients.Where(r => !existing.Contains(r.Number)).ToList();
        var freshPlan = plan with { Recipients = fresh, TotalPrice = PriceCalculator.Round(fresh.Sum(r => r.Price)) };
        if (fresh.Count == 0 && plan.InvalidRecipients.Count == 0)
        {
            return null;
        }

        var debit = await ledger.TryDebitAsync(account.Id, freshPlan.TotalPrice, LedgerKinds.Charge, message.Id, cancellationToken: cancellationToken);
        if (!debit.Succeeded)
        {
            return ApiOutcome.Fail(MessageService.InsufficientCredit(freshPlan.TotalPrice, debit, priceList.Currency));
        }

        try
        {
            var rows = MessageService.RecipientRows(message.Id, account.Id, freshPlan, RecipientState.Draft, now);
            await recipients.UpsertAsync(message.Id, rows, cancellationToken);
            for (var attempt = 0; ; attempt++)
            {
                var current = await messages.GetAsync(account.Id, message.Id, cancellationToken)
                              ?? throw new InvalidOperationException($"Message {message.Id} disappeared.");
                if (current.State != Draft)
                {
                    throw new InvalidOperationException($"Message {message.Id} left DRAFT while recipients were being added.");
                }

                current.RecipientCount += fresh.Count;
                current.TotalPrice = TableValues.Money(TableValues.ParseMoney(current.TotalPrice) + freshPlan.TotalPrice);
                current.InvalidRecipientCount += plan.InvalidRecipients.Count;
                var invalid = (MessageJson.Deserialize<List<InvalidRecipientView>>(current.InvalidRecipientsJson) ?? [])
                    .Concat(plan.InvalidRecipients.Select(i => new InvalidRecipientView(i.Input, i.Code, i.Reason)))
                    .Take(MessageJson.MaxStoredInvalidRecipients).ToList();
                current.InvalidRecipientsJson = invalid.Count == 0 ? null : MessageJson.Serialize(invalid);
                if (current.Recipient is null && fresh.Count > 0)
                {
                    current.Recipient = fresh[0].Number;
                    current.InternationalPrefix = fresh[0].Recipient.InternationalPrefix;
                    current.CountryCode = fresh[0].Recipient.CountryCode;
                }

                current.CharactersCount = Math.Max(current.CharactersCount, plan.CharactersCount);
                current.MessageCount = Math.Max(current.MessageCount, plan.MessageCount);
                current.UpdatedAt = now;
                if (await messages.TryReplaceAsync(current, cancellationToken))
                {
                    return null;
                }

                if (attempt >= MaxAttempts)
                {
                    throw new InvalidOperationException($"Message {message.Id} kept changing while recipients were being added.");
                }
            }
        }
        catch
        {
            await service.RefundAsync(account.Id, freshPlan.TotalPrice, message.Id);
            throw;
        }
    }

    private async Task<ApiOutcome> BlockDraftAsync(AccountEntity account, MessageEntity message, SendPlan plan, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var penalty = PenaltyCalculator.PenaltyFor(Math.Max(1, plan.MessageCount), pricing.Value.PenaltyPerPart);
        var taken = await ledger.DebitUpToAsync(account.Id, penalty, LedgerKinds.Penalty, message.Id, cancellationToken: cancellationToken);
        var current = message;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            current = await messages.GetAsync(account.Id, message.Id, cancellationToken) ?? message;
            current.State = MessageState.Blocked.ToApiName();
            current.Blocklisted = true;
            current.BlocklistedReason = plan.Policy.Reason;
            current.Penalty = TableValues.Money(penalty);
            current.DispatchState = DispatchStates.None;
            current.UpdatedAt = now;
            if (await messages.TryReplaceAsync(current, cancellationToken))
            {
                break;
            }
        }

        await accounts.SetBlockedAsync(account.Id, true, $"Message {message.Id} was blocked: {plan.Policy.Reason}", cancellationToken);
        var view = MessageViews.From(current);
        return ApiOutcome.Success(StatusCodes.Status200OK, new ApiEnvelope<MessageView>(view, false,
            $"Message blocked by the content policy: {plan.Policy.Reason} A penalty was charged and the account is blocked until an administrator unblocks it.",
            TableValues.Money(taken.Balance), ErrorCodes.ContentBlocked));
    }

    /// <summary>Closes the transaction: recipients DRAFT → QUEUED (or SCHEDULED), the message gets its Schedule row, the pipeline is told.</summary>
    private async Task<ApiOutcome> CloseAsync(string accountId, string messageId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var message = await messages.GetAsync(accountId, messageId, cancellationToken)
                          ?? throw new InvalidOperationException($"Message {messageId} disappeared.");
            if (message.State != Draft)
            {
                return ApiOutcome.Fail(Conflict(messageId, $"The transaction is already closed (the message is {message.State})."));
            }

            var now = time.GetUtcNow();
            var scheduled = message.ScheduledAt is { } at && at > now;
            var state = scheduled ? RecipientState.Scheduled : RecipientState.Queued;
            var dueAt = scheduled ? message.ScheduledAt!.Value : now;
            var band = Enum.TryParse<PriorityBand>(message.Band, out var b) ? b : PriorityBand.Normal;

            // Recipients first: until the message leaves DRAFT nothing else touches them.
            var rows = new List<RecipientEntity>();
            await foreach (var row in recipients.QueryAsync(messageId, RecipientState.Draft.ToApiName(), cancellationToken))
            {
                row.State = state.ToApiName();
                row.UpdatedAt = now;
                rows.Add(row);
            }

            await recipients.UpsertAsync(messageId, rows, cancellationToken);
            message.State = MessageService.ToMessageState(state).ToApiName();
            message.DispatchState = DispatchStates.Pending;
            message.DueAt = dueAt;
            message.ValidUntil = message.ValidityPeriodMinutes is { } minutes ? dueAt.AddMinutes(minutes) : null;
            message.UpdatedAt = now;
            if (!await messages.TryReplaceAsync(message, cancellationToken))
            {
                continue;
            }

            await schedule.AddAsync(accountId, messageId, dueAt, band, message.RecipientCount, cancellationToken);
            await service.NotifyAsync(new AcceptedMessage(accountId, messageId, dueAt, band, message.RecipientCount), cancellationToken);
            return await UpdatedAsync(accountId, message, cancellationToken, scheduled ? "Transaction closed: Message Scheduled" : "Transaction closed: Message Queued");
        }

        return ApiOutcome.Fail(Conflict(messageId, "The message kept changing; retry."));
    }

    /// <summary>Moves a scheduled message's due time: the message first (ETag-guarded, so a concurrent FireScheduled wins or loses cleanly), then its Schedule row.</summary>
    private async Task<MessageEntity?> RescheduleAsync(string accountId, string messageId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var message = await messages.GetAsync(accountId, messageId, cancellationToken);
            if (message is null || message.State != Scheduled || message.DispatchState != DispatchStates.Pending)
            {
                return null;
            }

            var oldDue = message.DueAt ?? message.ScheduledAt ?? at;
            message.ScheduledAt = at;
            message.DueAt = at;
            message.ValidUntil = message.ValidityPeriodMinutes is { } minutes ? at.AddMinutes(minutes) : null;
            message.UpdatedAt = time.GetUtcNow();
            if (!await messages.TryReplaceAsync(message, cancellationToken))
            {
                continue;
            }

            var band = Enum.TryParse<PriorityBand>(message.Band, out var b) ? b : PriorityBand.Normal;
            await schedule.RescheduleAsync(accountId, messageId, oldDue, at, band, message.RecipientCount, cancellationToken);
            return message;
        }

        return null;
    }

    private async Task<ApiOutcome> UpdatedAsync(string accountId, MessageEntity message, CancellationToken cancellationToken, string text = "Updated")
    {
        var counts = await recipients.CountByStateAsync(message.Id, cancellationToken);
        var credit = await ledger.GetBalanceAsync(accountId, cancellationToken);
        var view = MessageViews.From(message, MessageJson.Counts(counts));
        return ApiOutcome.Success(StatusCodes.Status200OK, ApiEnvelope.Ok(view, text, credit));
    }

    private static IResult Conflict(string messageId, string reason) => ApiProblem.Create(
        StatusCodes.Status409Conflict, ApiErrorCodes.MessageNotEditable, "The message cannot be changed.", reason,
        new Dictionary<string, object?> { ["messageId"] = messageId });
}
