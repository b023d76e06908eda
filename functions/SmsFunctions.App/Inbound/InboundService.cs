using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Api.Messages;
using SmsFunctions.App.Pipeline;
using SmsFunctions.Carriers;
using SmsFunctions.Core.Encoding;
using SmsFunctions.Core.Inbound;
using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Recipients;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Inbound;

namespace SmsFunctions.App.Inbound;

/// <summary>
/// Receives an MO, whichever carrier brought it (Kannel's sms-service, the sandbox): routes it to the account that owns
/// the number (or keeps it as unroutable), applies STOP/START to the opt-out list, stores it once per carrier message
/// id, queues its webhook on the callbacks queue and sends the account's keyword reply. A carrier that hangs up and
/// repeats the MO finds the same record: the list change was made before the record was written, so a repeat only
/// queues the webhook again as a replay, delivered only if no attempt is on record — one record, one webhook. (A
/// late repeat cannot undo a START sent since.) A reply is sent once, after the webhook is queued; a crash just
/// before it loses the reply, never doubles it.
/// </summary>
public sealed partial class InboundService(
    InboundNumberStore numbers,
    InboundMessageStore store,
    OptOutStore optOuts,
    AccountStore accounts,
    CallbackEnqueuer callbacks,
    MessageService messages,
    IOptionsMonitor<InboundOptions> options,
    TimeProvider time,
    ILogger<InboundService> logger)
{
    /// <summary>The state an inbound webhook reports (its attempts are listed under it).</summary>
    public const string ReceivedEvent = "RECEIVED";

    private KeywordMatcher? _matcher;
    private InboundOptions? _matcherFor;

    public async Task<InboundMessageEntity> ReceiveAsync(InboundSms sms, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sms);
        var to = InboundNumbers.NormalizeTo(sms.To);
        var from = InboundNumbers.NormalizeFrom(sms.From);
        var owner = InboundNumbers.IsKeySafe(to) ? await numbers.GetAsync(to, cancellationToken) : null;
        var accountId = owner?.AccountId ?? InboundMessageStore.Unroutable;
        var id = MessageId.New(time, null, 0);
        var first = true;
        if (sms.CarrierMessageId is { Length: > 0 } carrierId)
        {
            (id, accountId, first) = await store.ReserveAsync(sms.Carrier, carrierId, id, accountId, cancellationToken);
        }

        var routed = accountId != InboundMessageStore.Unroutable;
        var keyword = routed ? Matcher().Match(sms.Text) : InboundKeyword.None;
        if (!first && await store.GetAsync(accountId, id, CancellationToken.None) is { } existing)
        {
            LogRepeated(id, sms.Carrier);
            if (routed)
            {
                await callbacks.EnqueueAsync([EventOf(existing) with { Replay = true }], cancellationToken: CancellationToken.None);
            }

            return existing;
        }

        var receivedAt = MessageId.CreatedAt(id);
        var message = new InboundMessageEntity
        {
            RowKey = id,
            AccountId = accountId,
            From = from,
            To = to,
            Text = sms.Text,
            Encoding = sms.Encoding,
            Parts = string.IsNullOrEmpty(sms.Text) ? 1 : SegmentCounter.Count(sms.Text).MessageCount,
            ReceivedAt = receivedAt,
            SentAt = sms.SentAt,
            Carrier = sms.Carrier,
            CarrierMessageId = sms.CarrierMessageId,
            Smsc = sms.Smsc,
            Keyword = keyword == InboundKeyword.None ? null : keyword.ToString().ToUpperInvariant(),
            InReplyTo = routed
                ? await store.FindLatestSentAsync(accountId, from, to, receivedAt.AddDays(-Math.Max(0, options.CurrentValue.ReplyWindowDays)), CancellationToken.None)
                : null,
        };
        if (routed)
        {
            await ApplyListChangeAsync(message, keyword);
        }

        await store.UpsertAsync(message, CancellationToken.None);
        if (!routed)
        {
            LogUnroutable(id, to);
            return message;
        }

        await callbacks.EnqueueAsync([EventOf(message)], cancellationToken: CancellationToken.None);
        await ReplyAsync(message, keyword);
        LogReceived(id, accountId, message.Keyword ?? "-");
        return message;
    }

    /// <summary>The webhook event of <paramref name="message"/>: reported as <see cref="ReceivedEvent"/> for its sender.</summary>
    public static CallbackEvent EventOf(InboundMessageEntity message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new CallbackEvent(message.AccountId, message.Id, AttemptKey(message.From), ReceivedEvent, message.ReceivedAt, Kind: CallbackEvent.InboundKind);
    }

    /// <summary>The sender as it can appear in a callback attempt's key.</summary>
    public static string AttemptKey(string from) => InboundNumbers.IsKeySafe(from) ? from : "handset";

    private KeywordMatcher Matcher()
    {
        var current = options.CurrentValue;
        if (_matcher is null || !ReferenceEquals(_matcherFor, current))
        {
            _matcher = new KeywordMatcher(current.StopKeywords, current.StartKeywords, current.HelpKeywords);
            _matcherFor = current;
        }

        return _matcher;
    }

    private async Task ApplyListChangeAsync(InboundMessageEntity message, InboundKeyword keyword)
    {
        if (!InboundNumbers.IsKeySafe(message.From) || !PhoneNumberParser.Parse(message.From).IsValid)
        {
            return; // An alphanumeric sender cannot be sent to, so it has nothing to opt out of.
        }

        switch (keyword)
        {
            case InboundKeyword.Stop:
                await optOuts.AddAsync(message.AccountId, message.From, OptOutStore.SourceKeyword, message.Id, CancellationToken.None);
                break;
            case InboundKeyword.Start:
                await optOuts.RemoveAsync(message.AccountId, message.From, CancellationToken.None);
                break;
        }
    }

    /// <summary>The account's configured answer to a keyword: an ordinary MT message from the number the MO was sent
    /// to (charged and logged like any other). A STOP confirmation is the one message an opted-out number still gets.</summary>
    private async Task ReplyAsync(InboundMessageEntity message, InboundKeyword keyword)
    {
        if (keyword == InboundKeyword.None)
        {
            return;
        }

        var account = await accounts.GetAsync(message.AccountId, CancellationToken.None);
        var text = keyword switch
        {
            InboundKeyword.Stop => account?.StopReply,
            InboundKeyword.Start => account?.StartReply,
            InboundKeyword.Help => account?.HelpText,
            _ => null,
        };
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        var request = new SendRequest { Sender = message.To, Body = text, Recipients = [new RecipientInput(message.From)], Type = MessageType.Transactional };
        var outcome = await messages.SubmitAsync(message.AccountId, request, new RequestFields(), CancellationToken.None, bypassOptOut: keyword == InboundKeyword.Stop);
        if (!outcome.IsSuccess)
        {
            LogReplyRefused(message.Id, message.AccountId, keyword.ToString());
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbound message {InboundId} for {AccountId} stored (keyword {Keyword})")]
    private partial void LogReceived(string inboundId, string accountId, string keyword);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbound message {InboundId} to {To}: no account owns the number; kept as unroutable")]
    private partial void LogUnroutable(string inboundId, string to);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Inbound message {InboundId} repeated by {Carrier}; the first record stands")]
    private partial void LogRepeated(string inboundId, string carrier);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Keyword} reply to inbound message {InboundId} of {AccountId} was refused (credit, content or sender); nothing was sent")]
    private partial void LogReplyRefused(string inboundId, string accountId, string keyword);
}
