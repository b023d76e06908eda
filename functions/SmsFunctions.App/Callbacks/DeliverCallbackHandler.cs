using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Api.Messages;
using SmsFunctions.App.Pipeline;
using SmsFunctions.App.Telemetry;
using SmsFunctions.App.Triggers;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Core.Retry;
using SmsFunctions.Queues;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Callbacks;

/// <summary>
/// The callback "thrower": delivers each state-change event of a callbacks queue message to the customer's webhook,
/// records the attempt, and schedules the next attempt itself (a delayed queue message with the next attempt
/// number) so the queue message completes at once and a receiver that is down slows nobody else.
/// </summary>
public sealed partial class DeliverCallbackHandler(
    RecipientStore recipients,
    IRecipientOwner writer,
    MessageHeaderCache headers,
    AccountStore accounts,
    CallbackThrower thrower,
    CallbackAttemptStore attempts,
    CallbackEnqueuer enqueuer,
    SmsFunctions.App.Inbound.InboundCallbacks inbound,
    CallbackHostSlots hosts,
    CallbackClaims claims,
    IOptionsMonitor<CallbackOptions> options,
    TimeProvider time,
    ILogger<DeliverCallbackHandler> logger) : IQueueMessageHandler
{
    public async Task<QueueHandlingResult> HandleAsync(ReceivedQueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CallbackWork work;
        try
        {
            work = CallbackWork.Parse(message.Body);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            LogMalformed(logger, message.Id, ex.Message);
            return QueueHandlingResult.Completed;
        }

        // Hosts this message found busy: its later events for them are deferred without waiting for a slot, so a
        // message to a stalled host holds its handler for about one slot wait, not one per eight of its events.
        var busy = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var copy = message.DeliveryCount > 1 || IsLate(message);
        var deferred = new ConcurrentQueue<Deferral>();
        try
        {
            // One event per recipient and state (a real one before a replay): a deferred event keeps its claim until
            // the loop is done, and a second event of the same callback would wait for it forever.
            var events = work.Events.OrderBy(e => e.Replay).DistinctBy(e => (e.AccountId, e.MessageId, e.Recipient, e.State, e.Kind));
            await Parallel.ForEachAsync(events, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                async (e, ct) => await DeliverAsync(e, copy, busy, deferred, ct));
            await DeferAsync(deferred, cancellationToken);
        }
        finally
        {
            // Held until the deferrals are queued and on record (or, failing that, the message comes back).
            foreach (var d in deferred) { d.Claim.Dispose(); }
        }

        return QueueHandlingResult.Completed;
    }

    /// <summary>A delivery that found its host busy: its next copy, and the claim held until that copy is queued.</summary>
    private sealed record Deferral(CallbackEvent Copy, IDisposable Claim, bool Record, string Host);

    /// <summary>
    /// Puts this message's deferred deliveries back on the queue together (one queue message per account and copy
    /// number, not one each: a backlog for a busy host cycles as a few messages, not thousands), then on record. The
    /// copies are queued first, then the deferrals recorded (a replay of the state, which goes out only when nothing is
    /// on record, would otherwise overtake them and the receiver would get the state twice): a record always has its
    /// copy, so a failed send or a crash between the two never strands a callback (the queue message comes back). A
    /// replay's own deferral is not recorded, or it would find itself on record and never go out.
    /// </summary>
    private async Task DeferAsync(ConcurrentQueue<Deferral> deferred, CancellationToken cancellationToken)
    {
        if (deferred.IsEmpty) { return; }
        var opts = options.CurrentValue;
        foreach (var round in deferred.GroupBy(d => d.Copy.Deferrals))
        {
            await enqueuer.EnqueueAsync([.. round.Select(d => d.Copy)], HostBusyDelay(opts, round.Key), cancellationToken);
        }

        var now = time.GetUtcNow();
        await Task.WhenAll(deferred.Where(d => d.Record).Select(d => attempts.AddAsync(d.Copy.AccountId,
            new CallbackAttempt(d.Copy.MessageId, d.Copy.Recipient, d.Copy.State, d.Copy.Attempt, now, null, 0, CallbackAttemptOutcome.Deferred,
                $"{d.Host} had {opts.MaxConcurrentPerHost} callbacks open; deferred", d.Copy.Deferrals), CancellationToken.None)));
    }

    /// <summary>
    /// A message handled so long after it was queued that a replay of its events (queued with them, delayed
    /// ReplayDelaySeconds or CancelReplayDelaySeconds) may have gone out first — a backlog on the callbacks queue:
    /// its events are treated as copies and read their record before they go. A message on time reads nothing.
    /// </summary>
    private bool IsLate(ReceivedQueueMessage message)
    {
        var opts = options.CurrentValue;
        var safe = TimeSpan.FromSeconds(Math.Max(0, Math.Min(opts.ReplayDelaySeconds, opts.CancelReplayDelaySeconds)) / 2);
        return message.EnqueuedAt is not { } queued || time.GetUtcNow() - queued >= safe;
    }

    /// <summary>
    /// A callbacks message that kept failing: each of its events that nothing on record settles is recorded as given
    /// up, with the reason. An event the record settles is left as it is — its webhook went out (a poisoned message may
    /// have delivered some of its events before the failure that kept bringing it back), was given up, or has its retry
    /// or later copy queued — and so is a replay of a state its recipient never reached (a cancel's CANCELED for a
    /// recipient the dispatcher took first), which has nothing to report.
    /// </summary>
    public async Task HandlePoisonAsync(ReceivedQueueMessage message, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        IReadOnlyList<CallbackEvent> events;
        try
        {
            events = CallbackWork.Parse(message.Body).Events;
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            LogMalformed(logger, message.Id, ex.Message);
            return;
        }

        var open = await Task.WhenAll(events.DistinctBy(e => (e.AccountId, e.MessageId, e.Recipient, e.State, e.Attempt, e.Kind))
            .Select(async e => await IsUnsettledAsync(e, cancellationToken) ? e : null));

        // All at once: the attempts of one account share a transaction.
        var now = time.GetUtcNow();
        await Task.WhenAll(open.OfType<CallbackEvent>().Select(e =>
            attempts.AddAsync(e.AccountId, new CallbackAttempt(e.MessageId, e.Recipient, e.State, e.Attempt, now, null, 0, CallbackAttemptOutcome.GaveUp, reason), cancellationToken)));
    }

    /// <summary>True when a poisoned event still owes its receiver a webhook (see <see cref="HandlePoisonAsync"/>).</summary>
    private async Task<bool> IsUnsettledAsync(CallbackEvent e, CancellationToken cancellationToken)
    {
        if (e.Replay && e.Attempt == 1)
        {
            return !await attempts.AnyAsync(e.AccountId, e.MessageId, e.Recipient, e.State, cancellationToken)
                && (e.Kind == CallbackEvent.InboundKind || (await recipients.GetAsync(e.MessageId, e.Recipient, cancellationToken))?.State == e.State);
        }

        return !await IsSettledAsync(e, cancellationToken);
    }

    private async Task DeliverAsync(CallbackEvent e, bool copy, ConcurrentDictionary<string, byte> busy, ConcurrentQueue<Deferral> deferred, CancellationToken cancellationToken)
    {
        if (e.Kind == CallbackEvent.InboundKind)
        {
            await inbound.DeliverAsync(e, cancellationToken);
            return;
        }

        using var activity = SmsTelemetry.ActivitySource.StartActivity("deliver callback", ActivityKind.Client);
        activity?.SetTag("sms.message_id", e.MessageId);
        var header = await headers.GetAsync(e.AccountId, e.MessageId, cancellationToken);
        var opts = options.CurrentValue;
        if (header is null || CallbackSpec.FromJson(string.IsNullOrEmpty(header.CallbackJson) ? null : JsonNode.Parse(header.CallbackJson), opts.DefaultRetries, opts.MaxRetries) is not { } spec)
        {
            return;
        }

        // One copy of a recipient's callback for a state in hand at a time in this process (CallbackClaims): a replay
        // yields to the copy in hand; any other copy waits for it and then goes by the record.
        var replay = e.Replay && e.Attempt == 1;
        IDisposable claim;
        var waited = false;
        if (replay)
        {
            if (claims.TryClaim(e) is not { } held)
            {
                LogReplaySkipped(logger, e.MessageId, e.Recipient, e.State);
                return;
            }

            claim = held;
        }
        else
        {
            (claim, waited) = await claims.ClaimAsync(e, cancellationToken);
        }

        var kept = false;
        try
        {
            if (replay && await attempts.AnyAsync(e.AccountId, e.MessageId, e.Recipient, e.State, cancellationToken))
            {
                LogReplaySkipped(logger, e.MessageId, e.Recipient, e.State);
                return; // The callback for this state went out, is being retried, or its deferred copy is queued.
            }

            if (!replay && (copy || waited || e.Deferrals > 0) && await IsSettledAsync(e, cancellationToken))
            {
                LogCopySkipped(logger, e.MessageId, e.Recipient, e.State, e.Attempt);
                return;
            }

            if (await DeliverClaimedAsync(e, header, spec, opts, busy, cancellationToken) is { } copyOf)
            {
                deferred.Enqueue(new Deferral(copyOf, claim, !e.Replay, spec.Url.Host));
                kept = true;
            }
        }
        finally
        {
            if (!kept) { claim.Dispose(); }
        }
    }

    /// <summary>
    /// True when this attempt is already taken care of by what is on record: it went out (delivered or given up), its
    /// retry is queued (WillRetry), or a later copy of it is queued (Deferred with a higher copy number). Asked only
    /// by copies — a deferred copy, an event of a redelivered or late queue message (a replay may have overtaken it),
    /// one that waited for another copy — so the first, timely delivery of an event costs no read. Sound because a
    /// record that promises more (WillRetry, Deferred) is written only once that more is on the queue.
    /// </summary>
    private async Task<bool> IsSettledAsync(CallbackEvent e, CancellationToken cancellationToken) =>
        await attempts.GetOutcomeAsync(e.AccountId, e.MessageId, e.Recipient, e.State, e.Attempt, cancellationToken) switch
        {
            null => false,
            { Outcome: CallbackAttemptOutcome.Deferred } deferred => deferred.Deferrals > e.Deferrals,
            _ => true,
        };

    /// <summary>Delivers <paramref name="e"/> and records the outcome; or, when its host is busy, returns its next copy
    /// for <see cref="DeferAsync"/>.</summary>
    private async Task<CallbackEvent?> DeliverClaimedAsync(CallbackEvent e, MessageEntity header, CallbackSpec spec, CallbackOptions opts, ConcurrentDictionary<string, byte> busy, CancellationToken cancellationToken)
    {
        RecipientEntity? recipient;
        if (e.Replay)
        {
            // A replay may be queued before its state change (its intent: a cancel's CANCELED, a sandbox receipt): it
            // reports only a recipient that did end in that state (a dispatcher may have claimed it first, or the
            // process died before the change).
            recipient = await recipients.GetAsync(e.MessageId, e.Recipient, cancellationToken);
            if (recipient?.State != e.State)
            {
                LogReplayNotInState(logger, e.MessageId, e.Recipient, e.State, recipient?.State);
                return null;
            }
        }
        else
        {
            recipient = writer.Remembered(e.MessageId, e.Recipient) ?? await recipients.GetAsync(e.MessageId, e.Recipient, cancellationToken);
        }

        // The secret (a storage read when not recent) and the body are ready before a slot is taken: a slot stands for
        // a request open to the host, nothing else.
        var secret = await SecretAsync(e.AccountId, cancellationToken);
        var view = ApiJson.ToNode(MessageViews.ForRecipient(header, recipient, e.State));

        // Only a first delivery waits for a slot: a deferred copy (which waited once) or a host this message found
        // busy takes a free slot or goes back at once, so the handlers are never all held by one busy host's copies.
        var host = spec.Url.GetLeftPart(UriPartial.Authority);
        var wait = e.Deferrals > 0 || busy.ContainsKey(host) ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Max(0, opts.HostSlotWaitSeconds));
        var slot = await hosts.TakeAsync(spec.Url, wait, cancellationToken);
        if (slot is null)
        {
            // The host has its share of requests open: try again shortly rather than hold this handler.
            busy.TryAdd(host, 0);
            LogHostBusy(logger, spec.Url.Host, e.MessageId, e.Recipient);
            return e with { Deferrals = e.Deferrals + 1 };
        }

        // From the request on, nothing is cancelled: a sibling's failure (or shutdown) must not leave a request that
        // reached the receiver without its record, or the redelivery would send it again. The request has its timeout.
        // The slot stands for a request open to the host, no more: it is free again once the answer is in, so the
        // record's table write (slow on a busy storage account) never holds the host's share (the claim stays held
        // until the record is written).
        int? status;
        double latency;
        string? error;
        bool gone;
        using (slot)
        {
            (status, latency, error, gone) = await thrower.SendAsync(spec, view, secret, CancellationToken.None);
        }

        var delivered = status is >= 200 and < 300;
        var outcome = delivered ? CallbackAttemptOutcome.Delivered : CallbackAttemptOutcome.GaveUp;
        TimeSpan? retryIn = null;
        if (!delivered && !gone && Schedule(opts, spec.Retry).NextAttempt(e.Attempt, Random.Shared) is RetryDecision.RetryAfter next)
        {
            outcome = CallbackAttemptOutcome.WillRetry;
            retryIn = next.Delay;
        }

        PipelineMetrics.CallbackAttempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString()));
        PipelineMetrics.CallbackLatency.Record(latency);
        if (retryIn is { } delay)
        {
            // The retry before its WillRetry record, for the same reason as a deferral.
            await enqueuer.EnqueueAsync([e with { Attempt = e.Attempt + 1, Deferrals = 0 }], delay, CancellationToken.None);
        }

        await attempts.AddAsync(e.AccountId, new CallbackAttempt(e.MessageId, e.Recipient, e.State, e.Attempt, time.GetUtcNow(), status, Math.Round(latency, 1), outcome, error), CancellationToken.None);
        return null;
    }

    /// <summary>How long the <paramref name="deferrals"/>-th copy of a delivery waits on the queue: HostBusyDelaySeconds,
    /// doubling with each deferral up to 8 times it, so a backlog for a busy host does not churn the queue and the
    /// tables while it drains.</summary>
    internal static TimeSpan HostBusyDelay(CallbackOptions options, int deferrals) =>
        TimeSpan.FromSeconds(Math.Max(0.1, options.HostBusyDelaySeconds) * (1 << Math.Clamp(deferrals - 1, 0, 3)));

    /// <summary>The webhook schedule (5 s, ×3, ≤ 10 min, ±20 %) with the first delay configurable for tests.</summary>
    internal static RetrySchedule Schedule(CallbackOptions options, int retries) =>
        options.FirstRetryDelaySeconds == 5
            ? RetrySchedules.Webhook(retries)
            : RetrySchedule.Exponential(TimeSpan.FromSeconds(options.FirstRetryDelaySeconds), 3.0, TimeSpan.FromMinutes(10), Math.Clamp(retries, 0, RetrySchedules.MaxWebhookRetries), 0.2);

    /// <summary>The account's webhook secret as read at most <see cref="AccountStore.RecentFor"/> ago (the bounded
    /// recent-account cache the send path uses): a rotated secret signs within seconds, and no cache of our own.</summary>
    private async Task<string> SecretAsync(string accountId, CancellationToken cancellationToken)
        => (await accounts.GetRecentAsync(accountId, cancellationToken))?.WebhookSecret ?? string.Empty;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Replayed {State} callback for {Recipient} of {MessageId} was already sent; skipped")]
    private static partial void LogReplaySkipped(ILogger logger, string messageId, string recipient, string state);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{State} callback attempt {Attempt} for {Recipient} of {MessageId} is already on record (sent, retrying or queued again); this copy is skipped")]
    private static partial void LogCopySkipped(ILogger logger, string messageId, string recipient, string state, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Replayed {State} callback for {Recipient} of {MessageId} dropped: the recipient is {Current}")]
    private static partial void LogReplayNotInState(ILogger logger, string messageId, string recipient, string state, string? current);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook host {Host} is busy; the callback for {Recipient} of {MessageId} is queued again")]
    private static partial void LogHostBusy(ILogger logger, string host, string messageId, string recipient);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback message {QueueMessageId} is malformed and was dropped: {Error}")]
    private static partial void LogMalformed(ILogger logger, string queueMessageId, string error);
}
