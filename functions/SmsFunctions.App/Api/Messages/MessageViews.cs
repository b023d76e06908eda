using SmsFunctions.Core.Encoding;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Templates;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Api.Messages;

/// <summary>Builds <see cref="MessageView"/>s from stored rows, from plans (dry runs), and for one recipient (webhooks).</summary>
public static class MessageViews
{
    public const int SummaryLimit = 100;

    public static MessageView From(MessageEntity entity, RecipientStateCounts? counts = null, IReadOnlyList<RecipientSummaryView>? summary = null, string? currency = null)
    {
        ArgumentNullException.ThrowIfNull(entity);
        var state = counts is { Total: > 0 } c && !IsPinned(entity.State) ? MessageStateRollup.From(c).ToApiName() : entity.State;
        return new MessageView
        {
            Id = entity.Id,
            Username = entity.Username,
            State = state,
            Sender = entity.Sender,
            Recipient = entity.Recipient,
            Recipients = entity.RecipientCount,
            InternationalPrefix = entity.InternationalPrefix,
            CountryCode = entity.CountryCode,
            Message = entity.Body,
            Encoding = entity.Encoding,
            CharactersCount = entity.CharactersCount,
            MessageCount = entity.MessageCount,
            Price = TableValues.ParseMoney(entity.Price),
            TotalPrice = TableValues.ParseMoney(entity.TotalPrice),
            Blocklisted = entity.Blocklisted,
            BlocklistedReason = entity.BlocklistedReason,
            Options = MessageJson.Deserialize<MessageOptionsDto>(entity.OptionsJson),
            Callback = MessageJson.Deserialize<CallbackDto>(entity.CallbackJson)?.Redacted(),
            CreatedAt = entity.CreatedAt,
            UpdatedAt = entity.UpdatedAt,
            SentAt = entity.SentAt,
            DeliveredAt = entity.DeliveredAt,
            Type = entity.Type,
            Priority = TableValues.ParseMoney(entity.Priority),
            Flash = entity.Flash,
            ScheduledAt = entity.ScheduledAt,
            ValidityPeriod = entity.ValidityPeriodMinutes,
            ValidUntil = entity.ValidUntil,
            Currency = currency,
            Penalty = entity.Penalty is null ? null : TableValues.ParseMoney(entity.Penalty),
            InvalidRecipients = MessageJson.Deserialize<List<InvalidRecipientView>>(entity.InvalidRecipientsJson) ?? [],
            InvalidRecipientCount = entity.InvalidRecipientCount,
            RecipientStates = counts is { } known
                ? MessageJson.Counts(known)
                : MessageJson.Deserialize<Dictionary<string, int>>(entity.StateCountsJson) ?? [],
            RecipientSummary = summary,
        };
    }

    /// <summary>
    /// The message as one recipient sees it, for its webhook: <see cref="From"/>, with the recipient's
    /// <paramref name="state"/>, number, country, body (rendered as dispatch renders it), parts, price and dates, and its
    /// recipient members. Without a row (gone) it is the message's own values.
    /// </summary>
    public static MessageView ForRecipient(MessageEntity message, RecipientEntity? recipient, string state)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = RecipientBody.TryRender(BodyTemplate.Parse(message.Body), recipient?.FieldsJson, message.SmartEncoding, out var rendered, out _)
            ? rendered
            : message.Body;
        var view = From(message);
        return view with
        {
            State = state,
            Recipient = recipient?.Number ?? message.Recipient,
            CountryCode = recipient?.CountryCode ?? message.CountryCode,
            Message = body,
            MessageCount = recipient?.Parts ?? message.MessageCount,
            Price = TableValues.ParseMoney(recipient?.Price ?? message.Price),
            UpdatedAt = recipient?.UpdatedAt ?? message.UpdatedAt,
            SentAt = recipient?.SentAt ?? message.SentAt,
            DeliveredAt = recipient?.DeliveredAt ?? message.DeliveredAt,
            // Counted on read for the API; a webhook has them only when the row keeps them (no query per webhook).
            RecipientStates = message.StateCountsJson is null ? null : view.RecipientStates,
            Carrier = recipient?.Carrier,
            ErrorCode = recipient?.ErrorCode,
            ErrorDetail = recipient?.ErrorDetail,
            OutcomeUnknown = recipient?.OutcomeUnknown ?? false,
            Refund = recipient?.Refund?.ToUpperInvariant(),
            RefundedAt = recipient?.RefundedAt,
            OfRecipient = true,
        };
    }

    /// <summary>What a dry run would have stored: no id, nothing persisted.</summary>
    public static MessageView FromPlan(SendPlan plan, SendRequest request, string username, string state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(request);
        var first = plan.Recipients.Count > 0 ? plan.Recipients[0] : null;
        return new MessageView
        {
            Id = null,
            Username = username,
            State = state,
            Sender = request.Sender?.Trim() ?? string.Empty,
            Recipient = first?.Number,
            Recipients = plan.Recipients.Count,
            InternationalPrefix = first?.Recipient.InternationalPrefix,
            CountryCode = first?.Recipient.CountryCode,
            Message = plan.Body,
            Encoding = plan.Encoding.ToApiName(),
            CharactersCount = plan.CharactersCount,
            MessageCount = plan.MessageCount,
            Price = first?.Price ?? 0m,
            TotalPrice = plan.TotalPrice,
            Blocklisted = plan.Policy.Blocked,
            BlocklistedReason = plan.Policy.Reason,
            Options = request.Options,
            Callback = request.Callback?.Redacted(),
            CreatedAt = now,
            UpdatedAt = now,
            Type = (request.Type ?? MessageType.Transactional).ToApiName(),
            Priority = request.Priority ?? Core.Pricing.Priority.Default,
            Flash = request.Flash ?? false,
            ScheduledAt = request.ScheduledAt,
            ValidityPeriod = request.ValidityPeriodMinutes,
            Currency = plan.Currency,
            InvalidRecipients = [.. plan.InvalidRecipients.Take(MessageJson.MaxStoredInvalidRecipients).Select(i => new InvalidRecipientView(i.Input, i.Code, i.Reason))],
            InvalidRecipientCount = plan.InvalidRecipients.Count,
            RecipientStates = plan.Recipients.Count == 0 ? [] : new Dictionary<string, int> { [state] = plan.Recipients.Count },
            RecipientSummary = [.. plan.Recipients.Take(SummaryLimit).Select(r => new RecipientSummaryView(r.Number, state, r.Price, r.Segments.MessageCount))],
            SmartReplacements = Replacements(plan),
        };
    }

    public static IReadOnlyList<SmartReplacementView>? Replacements(SendPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.SmartReplacements.Count == 0
            ? null
            : [.. plan.SmartReplacements.Select(r => new SmartReplacementView(r.Original.ToString(), r.Replacement, r.Count))];
    }

    // Blocked and canceled are decisions about the whole message; a draft is only a draft until the transaction closes.
    private static bool IsPinned(string state)
        => state == MessageState.Blocked.ToApiName() || state == MessageState.Draft.ToApiName();
}
