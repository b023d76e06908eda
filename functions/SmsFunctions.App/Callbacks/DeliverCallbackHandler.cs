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
    IOptionsMonitor<CallbackOptions> options,
    TimeProvider time,
    ILogger<DeliverCallbackHandler> logger) : IQueueMessageHandler
{

    private static readonly ConcurrentDictionary<string, (string Secret, DateTimeOffset Until)> Secrets = new(StringComparer.Ordinal);

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

        await Parallel.ForEachAsync(work.Events, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (e, ct) => await DeliverAsync(e, ct));
        return QueueHandlingResult.Completed;
    }

    public async Task HandlePoisonAsync(ReceivedQueueMessage message, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            // All at once: the attempts of one account share a transaction.
            var now = time.GetUtcNow();
            await Task.WhenAll(CallbackWork.Parse(message.Body).Events.Select(e =>
                attempts.AddAsync(e.AccountId, new CallbackAttempt(e.MessageId, e.Recipient, e.State, e.Attempt, now, null, 0, CallbackAttemptOutcome.GaveUp, reason), cancellationToken)));
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            LogMalformed(logger, message.Id, ex.Message);
        }
    }

    private async Task DeliverAsync(CallbackEvent e, CancellationToken cancellationToken)
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

        if (e.Replay && e.Attempt == 1 && await attempts.AnyAsync(e.AccountId, e.MessageId, e.Recipient, e.State, cancellationToken))
        {
            LogReplaySkipped(logger, e.MessageId, e.Recipient, e.State);
            return; // The callback for this state went out (or is being retried) before: nothing was lost.
        }

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
                return;
            }
        }
        else
        {
            recipient = writer.Remembered(e.MessageId, e.Recipient) ?? await recipients.GetAsync(e.MessageId, e.Recipient, cancellationToken);
        }

        using var slot = await hosts.TakeAsync(spec.Url, TimeSpan.FromSeconds(Math.Max(0, opts.HostSlotWaitSeconds)), cancellationToken);
        if (slot is null)
        {
            // The host has its share of requests open: try again shortly rather than hold this handler. The deferral
            // is put on record first (a replay of this state, which goes out only when nothing is on record, would
            // otherwise overtake it and the receiver would get the state twice); a replay's own deferral is not, or
            // it would find itself on record and never go out.
            LogHostBusy(logger, spec.Url.Host, e.MessageId, e.Recipient);
            if (!e.Replay)
            {
                await attempts.AddAsync(e.AccountId, new CallbackAttempt(e.MessageId, e.Recipient, e.State, e.Attempt, time.GetUtcNow(), null, 0,
                    CallbackAttemptOutcome.Deferred, $"{spec.Url.Host} had {opts.MaxConcurrentPerHost} callbacks open; deferred"), cancellationToken);
            }

            await enqueuer.EnqueueAsync([e with { Deferrals = e.Deferrals + 1 }], TimeSpan.FromSeconds(Math.Max(0.1, opts.HostBusyDelaySeconds)), cancellationToken);
            return;
        }

        var secret = await SecretAsync(e.AccountId, cancellationToken);
        var view = ApiJson.ToNode(MessageViews.ForRecipient(header, recipient, e.State));
        var (status, latency, error, gone) = await thrower.SendAsync(spec, view, secret, cancellationToken);
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
        await attempts.AddAsync(e.AccountId, new CallbackAttempt(e.MessageId, e.Recipient, e.State, e.Attempt, time.GetUtcNow(), status, Math.Round(latency, 1), outcome, error), cancellationToken);
        if (retryIn is { } delay)
        {
            await enqueuer.EnqueueAsync([e with { Attempt = e.Attempt + 1, Deferrals = 0 }], delay, cancellationToken);
        }
    }

    /// <summary>The webhook schedule (5 s, ×3, ≤ 10 min, ±20 %) with the first delay configurable for tests.</summary>
    internal static RetrySchedule Schedule(CallbackOptions options, int retries) =>
        options.FirstRetryDelaySeconds == 5
            ? RetrySchedules.Webhook(retries)
            : RetrySchedule.Exponential(TimeSpan.FromSeconds(options.FirstRetryDelaySeconds), 3.0, TimeSpan.FromMinutes(10), Math.Clamp(retries, 0, RetrySchedules.MaxWebhookRetries), 0.2);

    private async Task<string> SecretAsync(string accountId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (Secrets.TryGetValue(accountId, out var cached) && cached.Until > now)
        {
            return cached.Secret;
        }

        var account = await accounts.GetAsync(accountId, cancellationToken);
        var secret = account?.WebhookSecret ?? string.Empty;
        Secrets[accountId] = (secret, now.AddMinutes(5));
        return secret;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Replayed {State} callback for {Recipient} of {MessageId} was already sent; skipped")]
    private static partial void LogReplaySkipped(ILogger logger, string messageId, string recipient, string state);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Replayed {State} callback for {Recipient} of {MessageId} dropped: the recipient is {Current}")]
    private static partial void LogReplayNotInState(ILogger logger, string messageId, string recipient, string state, string? current);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook host {Host} is busy; the callback for {Recipient} of {MessageId} is queued again")]
    private static partial void LogHostBusy(ILogger logger, string host, string messageId, string recipient);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback message {QueueMessageId} is malformed and was dropped: {Error}")]
    private static partial void LogMalformed(ILogger logger, string queueMessageId, string error);
}
