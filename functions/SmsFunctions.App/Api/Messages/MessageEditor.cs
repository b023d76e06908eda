using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Pipeline;
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
/// <para>
/// Money and rows agree whatever the client or storage does: the debit of an add carries a change id derived from
/// the message's version and the numbers asked for, so a retried request is charged once; after it nothing is
/// written with the client's token (a client that hangs up does not stop the rows it paid for); a refund is made only
/// for rows known not to be there (never written, or withdrawn because the transaction closed meanwhile) — a row
/// whose write has an unknown outcome stays charged, and if it is there it is sent. Closing sends exactly the rows
/// present, and the message's count and total are theirs.
/// </para>
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
    SmsTables tables,
    IRecipientOwner owner,
    SmsFunctions.Storage.Inbound.OptOutStore optOuts,
    TimeProvider time)
{
    private const int MaxAttempts = 10;
    private const int LedgerAttempts = 2;
    private readonly DraftRecipientWriter drafts = new(recipients, owner, tables, time);
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

            // The add is paid for and stored: the rest of the request finishes whatever the client does.
            cancellationToken = CancellationToken.None;
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
        if (plan.Recipients.Count > 0 && !(draft.Type == MessageType.Otp && account.OtpBypassesOptOut)
            && await optOuts.GetSetAsync(account.Id, cancellationToken: cancellationToken) is { Count: > 0 } optedOut)
        {
            plan = OptOutFilter.Apply(plan, optedOut.Contains); // Suppressed as on the first POST: not added, not charged.
        }

        MessageService.AddPlanErrors(fields, plan);
        if (fields.Errors.Count > 0)
        {
            return ApiOutcome.Fail(MessageService.PlanProblem(fields, plan));
        }

        var now = time.GetUtcNow();
        if (plan.Policy.Blocked)
        {
            // A forbidden word arriving through a later recipient's fields blocks the message like on the first POST.
            return await BlockDraftAsync(account, message, plan, now);
        }

        var fresh = plan.Recipients.Where(r => !existing.Contains(r.Number)).ToList();
        var freshPlan = plan with { Recipients = fresh, TotalPrice = PriceCalculator.Round(fresh.Sum(r => r.Price)) };
        if (fresh.Count == 0 && plan.InvalidRecipients.Count == 0)
        {
            return null;
        }

        // Derived from the message's version and the numbers asked for: the same request retried after an error or
        // a lost answer (the message unchanged) is the same charge, applied once; anything else is a new one.
        // Its time is the message version's, so that the ledger line of a charge made long ago is found again (verify).
        // Throws only when storage did not answer for a long while: then the outcome is unknown and the client's
        // retry of this request, same change, settles it.
        var changeId = ChangeIdOf(message, plan);
        var at = message.UpdatedAt;
        var debit = await ledger.TryDebitAsync(account.Id, freshPlan.TotalPrice, LedgerKinds.Charge, message.Id,
            changeId: LedgerChangeIds.Charge(changeId), at: at, verify: true, cancellationToken: CancellationToken.None);
        if (!debit.Succeeded)
        {
            return ApiOutcome.Fail(MessageService.InsufficientCredit(freshPlan.TotalPrice, debit, priceList.Currency));
        }

        // Paid: from here on nothing takes the client's token.
        var rows = MessageService.RecipientRows(message.Id, account.Id, freshPlan, RecipientState.Draft, now);
        var (written, missing, writeError) = await drafts.InsertAsync(message.Id, rows);
        var committed = await CommitAddAsync(account.Id, message.Id, written, plan, now);
        if (!committed)
        {
            // The transaction closed (or the message was canceled or blocked) while the rows were being written: what
            // the close took is sent and stays charged; the rest is withdrawn and refunded.
            var withdrawn = await drafts.WithdrawAsync(message.Id, written.Select(r => r.Number).ToHashSet(StringComparer.Ordinal));
            var refund = PriceOf(missing) + PriceOf(withdrawn);
            await RefundAsync(account.Id, message.Id, refund, changeId, at);
            return ApiOutcome.Fail(Conflict(message.Id,
                $"The transaction was closed while recipients were being added: {written.Count - withdrawn.Count} of them were taken and sent, {missing.Count + withdrawn.Count} were not added and their {TableValues.Money(refund)} refunded."));
        }

        if (writeError is not null)
        {
            // Rows certainly not written are refunded (the message has changed since, so retrying adds them as a new charge).
            // Storage's own error is the answer (503: the retry adds the rest).
            await RefundAsync(account.Id, message.Id, PriceOf(missing), changeId, at);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(writeError);
        }

        return null;
    }

    /// <summary>Counts the rows just written on the message, if it is still an open transaction; false when it is not.</summary>
    private async Task<bool> CommitAddAsync(string accountId, string messageId, IReadOnlyList<RecipientEntity> written, SendPlan plan, DateTimeOffset now)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await messages.GetAsync(accountId, messageId, CancellationToken.None);
            if (current is null || current.State != Draft)
            {
                return false;
            }

            current.RecipientCount += written.Count;
            current.TotalPrice = TableValues.Money(TableValues.ParseMoney(current.TotalPrice) + PriceOf(written));
            current.InvalidRecipientCount += plan.InvalidRecipients.Count;
            var invalid = (MessageJson.Deserialize<List<InvalidRecipientView>>(current.InvalidRecipientsJson) ?? [])
                .Concat(plan.InvalidRecipients.Select(i => new InvalidRecipientView(i.Input, i.Code, i.Reason)))
                .Take(MessageJson.MaxStoredInvalidRecipients).ToList();
            current.InvalidRecipientsJson = invalid.Count == 0 ? null : MessageJson.Serialize(invalid);
            if (current.Recipient is null && written.Count > 0)
            {
                current.Recipient = written[0].Number;
                current.InternationalPrefix = plan.Recipients.FirstOrDefault(r => r.Number == written[0].Number)?.Recipient.InternationalPrefix;
                current.CountryCode = written[0].CountryCode;
            }

            current.CharactersCount = Math.Max(current.CharactersCount, plan.CharactersCount);
            current.MessageCount = Math.Max(current.MessageCount, plan.MessageCount);
            current.UpdatedAt = now;
            if (await messages.TryReplaceAsync(current, CancellationToken.None))
            {
                return true;
            }

            if (attempt >= MaxAttempts)
            {
                // The rows are there and paid for: the close sends them whatever the message row says.
                throw new InvalidOperationException($"Message {messageId} kept changing while recipients were being added.");
            }
        }
    }

    /// <summary>Refunds rows known not to be there, once per charge (<c>refund:{charge's id}</c>). A call that throws
    /// has an unknown outcome: it is tried once more with the same id, never undone.</summary>
    private async Task RefundAsync(string accountId, string messageId, decimal amount, string changeId, DateTimeOffset at)
    {
        if (amount <= 0)
        {
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ledger.AddAsync(accountId, amount, LedgerKinds.Refund, messageId, changeId: LedgerChangeIds.RefundOf(LedgerChangeIds.Charge(changeId)), at: at, verify: true, cancellationToken: CancellationToken.None);
                return;
            }
            catch (LedgerUnavailableException) when (attempt < LedgerAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt), time, CancellationToken.None);
            }
        }
    }

    private static decimal PriceOf(IEnumerable<RecipientEntity> rows) => PriceCalculator.Round(rows.Sum(r => TableValues.ParseMoney(r.Price)));

    /// <summary><c>{messageId}:{hash}</c> of the message's version (ETag) and the valid numbers asked for, with their prices.</summary>
    internal static string ChangeIdOf(MessageEntity message, SendPlan plan) =>
        ChangeIdOf(message, plan.Recipients.Select(r => (r.Number, r.Price)));

    internal static string ChangeIdOf(MessageEntity message, IEnumerable<(string Number, decimal Price)> recipients)
    {
        var text = new System.Text.StringBuilder(message.ETag.ToString());
        foreach (var (number, price) in recipients.OrderBy(r => r.Number, StringComparer.Ordinal))
        {
            text.Append('|').Append(number).Append('=').Append(TableValues.Money(price));
        }

        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString()));
        return message.Id + ":" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>No client token: the penalty is taken first, and what follows must happen with it.</summary>
    private async Task<ApiOutcome> BlockDraftAsync(AccountEntity account, MessageEntity message, SendPlan plan, DateTimeOffset now)
    {
        var penalty = PenaltyCalculator.PenaltyFor(Math.Max(1, plan.MessageCount), pricing.Value.PenaltyPerPart);

        // A message is blocked once: its penalty has one change id, so a retried request is not fined twice.
        var taken = await ledger.DebitUpToAsync(account.Id, penalty, LedgerKinds.Penalty, message.Id,
            changeId: LedgerChangeIds.Penalty(message.Id), at: MessageId.CreatedAt(message.Id), verify: true, cancellationToken: CancellationToken.None);
        var current = message;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            current = await messages.GetAsync(account.Id, message.Id, CancellationToken.None) ?? message;
            current.State = MessageState.Blocked.ToApiName();
            current.Blocklisted = true;
            current.BlocklistedReason = plan.Policy.Reason;
            current.Penalty = TableValues.Money(penalty);
            current.DispatchState = DispatchStates.None;
            current.UpdatedAt = now;
            if (await messages.TryReplaceAsync(current, CancellationToken.None))
            {
                break;
            }
        }

        await accounts.SetBlockedAsync(account.Id, true, $"Message {message.Id} was blocked: {plan.Policy.Reason}", CancellationToken.None);
        var view = MessageViews.From(current);
        return ApiOutcome.Success(StatusCodes.Status200OK, ApiEnvelope.Failed(view,
            $"Message blocked by the content policy: {plan.Policy.Reason} A penalty was charged and the account is blocked until an administrator unblocks it.",
            TableValues.Money(taken.Balance), ErrorCodes.ContentBlocked, StatusCodes.Status200OK));
    }

    /// <summary>
    /// Closes the transaction: recipients DRAFT → QUEUED (or SCHEDULED), then the outbox (Schedule) row, then the
    /// message — so that a message that leaves DRAFT always has its outbox row — and the pipeline is told. The
    /// message's count and total become those of the rows being sent: exactly what was paid for and is still there.
    /// Once started it does not take the client's token.
    /// </summary>
    private async Task<ApiOutcome> CloseAsync(string accountId, string messageId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var message = await messages.GetAsync(accountId, messageId, attempt == 0 ? cancellationToken : CancellationToken.None)
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

            // Recipients first: until the message leaves DRAFT nothing sends them.
            var sending = await drafts.CloseAsync(messageId, state, now);
            await schedule.AddAsync(accountId, messageId, dueAt, band, sending.Count, CancellationToken.None);
            message.State = MessageService.ToMessageState(state).ToApiName();
            message.DispatchState = DispatchStates.Pending;
            message.DueAt = dueAt;
            message.ValidUntil = message.ValidityPeriodMinutes is { } minutes ? dueAt.AddMinutes(minutes) : null;
            message.RecipientCount = sending.Count;
            message.TotalPrice = TableValues.Money(PriceOf(sending));
            message.UpdatedAt = now;
            if (!await messages.TryReplaceAsync(message, CancellationToken.None))
            {
                continue; // The outbox row written is harmless: the sweep drops a row whose message is not due by it.
            }

            await service.NotifyAsync(new AcceptedMessage(accountId, messageId, dueAt, band, message.RecipientCount), CancellationToken.None);
            return await UpdatedAsync(accountId, message, CancellationToken.None);
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

    /// <summary>Seed 003: a PUT answers the message as an object, "Updated".</summary>
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
