using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Telemetry;
using SmsFunctions.App.Triggers;
using SmsFunctions.Carriers;
using SmsFunctions.Carriers.Routing;
using SmsFunctions.Core.Encoding;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Core.Templates;
using SmsFunctions.Queues;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Sends the recipients named by a dispatch queue message. Each recipient is first claimed (QUEUED → DISPATCHING,
/// ETag-guarded, 100 to a batch) so that a redelivered queue message or a second dispatcher never submits it twice;
/// then routed to a carrier; then its outcome is written back. A claim left behind by a dispatcher that died
/// mid-submit is failed after <see cref="PipelineOptions.ClaimTimeout"/> rather than re-sent: the carrier may have it.
/// </summary>
public sealed partial class DispatchHandler(
    MessageStore messages,
    MessageHeaderCache headers,
    MessageStamp stamp,
    RecipientStore recipients,
    RecipientStateWriter writer,
    RecipientRanges ranges,
    CarrierRouter router,
    CallbackEnqueuer callbacks,
    ScheduledDispatch scheduled,
    IOptionsMonitor<PipelineOptions> options,
    TimeProvider time,
    ILogger<DispatchHandler> logger) : IQueueMessageHandler
{
    public const string UnknownOutcomeCode = "DISPATCH_OUTCOME_UNKNOWN";
    public const string NoCarrierCode = "NO_CARRIER_ACCEPTED";
    public const string PoisonCode = "DISPATCH_FAILED";

    public async Task<QueueHandlingResult> HandleAsync(ReceivedQueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        DispatchWork work;
        try
        {
            work = DispatchWork.Parse(message.Body);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            LogMalformed(logger, message.Id, message.QueueName, ex.Message);
            return QueueHandlingResult.Completed; // Nothing in it can ever be dispatched; retrying would not help.
        }

        TimeSpan? retry = null;
        await Parallel.ForEachAsync(work.Items, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.CurrentValue.SubmitConcurrency), CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                if (await DispatchItemAsync(item, message.DeliveryCount > 1, ct) is { } wait)
                {
                    lock (work) { retry = retry is null || wait > retry ? wait : retry; }
                }
            });

        return retry is { } delay ? QueueHandlingResult.RetryAfter(delay, "recipients still claimed by another dispatcher") : QueueHandlingResult.Completed;
    }

    /// <summary>A dispatch message that kept failing: its unresolved recipients end FAILED, with the reason and a callback.</summary>
    public async Task HandlePoisonAsync(ReceivedQueueMessage message, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        DispatchWork work;
        try { work = DispatchWork.Parse(message.Body); }
        catch (Exception ex) when (ex is JsonException or FormatException) { LogMalformed(logger, message.Id, message.QueueName, ex.Message); return; }

        foreach (var item in work.Items)
        {
            var header = await messages.GetAsync(item.AccountId, item.MessageId, cancellationToken);
            if (header is null) { continue; }
            var rows = await ranges.ReadAsync(item.MessageId, item.Recipients, cancellationToken);
            var now = time.GetUtcNow();
            var events = new List<CallbackEvent>();
            foreach (var row in rows)
            {
                if (await TransitionAsync(row, RecipientState.Failed, r => { r.ErrorCode = PoisonCode; r.ErrorDetail = Truncate(reason); }, cancellationToken) is { } changed)
                {
                    events.Add(new CallbackEvent(item.AccountId, item.MessageId, changed.Number, changed.State, now));
                }
            }

            await AfterChangesAsync(header, events, cancellationToken);
            LogPoisoned(logger, item.MessageId, events.Count, reason);
        }
    }

    private async Task<TimeSpan?> DispatchItemAsync(DispatchItem item, bool redelivered, CancellationToken cancellationToken)
    {
        using var activity = SmsTelemetry.ActivitySource.StartActivity("dispatch", ActivityKind.Consumer);
        activity?.SetTag("sms.message_id", item.MessageId);
        activity?.SetTag("sms.chunk", item.Chunk);

        // The cached row will do: what dispatch takes from it (body, sender, options, callback) no longer changes once
        // a message is queued, and a cancellation is seen on the recipient rows, which every claim checks by ETag.
        var header = await headers.GetAsync(item.AccountId, item.MessageId, cancellationToken);
        if (header is null)
        {
            LogMissing(logger, item.MessageId);
            return null;
        }

        if (LifecycleApiNames.TryParseApiName(header.State, out MessageState messageState)
            && messageState is MessageState.Draft or MessageState.Canceled or MessageState.Blocked)
        {
            return null;
        }

        var opts = options.CurrentValue;
        var now = time.GetUtcNow();
        var rows = await ranges.ReadAsync(item.MessageId, item.Recipients, cancellationToken);
        var expired = header.ValidUntil is { } validUntil && validUntil <= now;
        var toClaim = new List<RecipientEntity>();
        var events = new List<CallbackEvent>();
        TimeSpan? waitForOthers = null;

        foreach (var row in rows)
        {
            _ = LifecycleApiNames.TryParseApiName(row.State, out RecipientState state);
            switch (state)
            {
                case RecipientState.Queued or RecipientState.Scheduled when expired:
                    if (await TransitionAsync(row, RecipientState.Expired, r => { r.ErrorCode = "VALIDITY_EXPIRED"; r.ErrorDetail = "The validity period ended before the SMS could be sent."; }, cancellationToken) is { } e)
                    {
                        events.Add(new CallbackEvent(item.AccountId, item.MessageId, e.Number, e.State, now));
                    }

                    break;
                case RecipientState.Queued or RecipientState.Scheduled:
                    row.State = RecipientState.Dispatching.ToApiName();
                    row.UpdatedAt = now;
                    row.Attempts++;
                    toClaim.Add(row);
                    break;
                case RecipientState.Dispatching when row.UpdatedAt is { } claimedAt && now - claimedAt >= opts.ClaimTimeout:
                    if (await TransitionAsync(row, RecipientState.Failed, r =>
                        {
                            r.ErrorCode = UnknownOutcomeCode;
                            r.ErrorDetail = "The dispatcher stopped while submitting; the carrier may or may not have the SMS, so it is not sent again.";
                        }, cancellationToken) is { } f)
                    {
                        events.Add(new CallbackEvent(item.AccountId, item.MessageId, f.Number, f.State, now));
                    }

                    break;
                case RecipientState.Dispatching:
                    var left = opts.ClaimTimeout - (now - (row.UpdatedAt ?? now));
                    waitForOthers = left > TimeSpan.Zero ? left : TimeSpan.FromSeconds(1);
                    break;
                case var final when redelivered && final.IsTerminal() && final != RecipientState.Canceled:
                    // This queue message was handled before and did not complete: the process may have died between
                    // storing this final state and queuing its callback. Replayed, it goes out only if never sent.
                    // CANCELED is not the pipeline's to report (the cancel API answers for it).
                    events.Add(new CallbackEvent(item.AccountId, item.MessageId, row.Number, row.State, row.UpdatedAt ?? now, Replay: true));
                    break;
            }
        }

        var claimed = await ClaimAsync(item.MessageId, toClaim, cancellationToken);
        if (claimed.Count > 0)
        {
            // Before anything is submitted: a recipient whose final receipt never comes still ends, as EXPIRED.
            await scheduled.ScheduleExpiryAsync(header, cancellationToken);
            await scheduled.ScheduleRollupAsync(header, cancellationToken);

            var template = BodyTemplate.Parse(header.Body);
            // Each outcome goes to the writer as soon as the carrier answers, held briefly so that the delivery
            // receipt, which usually follows within milliseconds, joins it in one write (and outcomes of one shard
            // share transactions). The submit slot does not wait for the write. Not cancelled midway: a submitted
            // SMS must have its outcome recorded.
            var writes = new List<Task>(claimed.Count);
            await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, opts.SubmitConcurrency), CancellationToken = CancellationToken.None },
                async (row, _) =>
                {
                    await SubmitAsync(header, template, row, CancellationToken.None);
                    var write = RecordOutcomeAsync(row);
                    lock (writes) { writes.Add(write); }
                });
            await Task.WhenAll(writes);

            async Task RecordOutcomeAsync(RecipientEntity row)
            {
                if (await WriteOutcomeAsync(row, opts.OutcomeHold, CancellationToken.None))
                {
                    lock (events) { events.Add(new CallbackEvent(item.AccountId, item.MessageId, row.Number, row.State, time.GetUtcNow())); }
                }
            }
        }

        await AfterChangesAsync(header, events, cancellationToken);
        return waitForOthers;
    }

    /// <summary>Claims in ETag-guarded batches of 100; when a batch conflicts, claims one by one and keeps the winners.</summary>
    private async Task<List<RecipientEntity>> ClaimAsync(string messageId, List<RecipientEntity> rows, CancellationToken cancellationToken)
    {
        var claimed = new List<RecipientEntity>(rows.Count);
        foreach (var batch in rows.GroupBy(r => r.PartitionKey).SelectMany(shard => shard.Chunk(TableBatches.MaxActions)))
        {
            if (await recipients.TryReplaceBatchAsync(messageId, batch, cancellationToken))
            {
                claimed.AddRange(batch);
                foreach (var row in batch) { writer.Remember(row); }
                continue;
            }

            foreach (var row in batch)
            {
                var fresh = await recipients.GetAsync(messageId, row.Number, cancellationToken);
                if (fresh is null || !LifecycleApiNames.TryParseApiName(fresh.State, out RecipientState s) || s is not (RecipientState.Queued or RecipientState.Scheduled))
                {
                    continue; // Someone else claimed, cancelled or finished it.
                }

                fresh.State = RecipientState.Dispatching.ToApiName();
                fresh.UpdatedAt = row.UpdatedAt;
                fresh.Attempts++;
                if (await recipients.TryReplaceAsync(fresh, cancellationToken))
                {
                    claimed.Add(fresh);
                    writer.Remember(fresh);
                }
            }
        }

        return claimed;
    }

    private async Task SubmitAsync(MessageEntity header, BodyTemplate template, RecipientEntity row, CancellationToken cancellationToken)
    {
        string body;
        if (!template.HasPlaceholders)
        {
            body = header.Body;
        }
        else
        {
            var fields = ParseFields(row.FieldsJson);
            if (!template.TryRender(fields, out var rendered, out var missing))
            {
                Fail(row, RecipientState.Failed, "MISSING_TEMPLATE_FIELD", $"The recipient has no value for {{{{{missing}}}}}.");
                return;
            }

            body = rendered;
        }

        if (header.SmartEncoding)
        {
            body = SmartEncoder.Apply(body).Text;
        }

        var segments = SegmentCounter.Count(body);
        var submission = new CarrierSubmission(header.Id, row.Number, header.Sender, body, segments.Encoding, segments.MessageCount,
            header.Flash, header.ValidUntil, row.Attempts);
        var started = Stopwatch.GetTimestamp();
        RoutingOutcome outcome;
        try
        {
            outcome = await router.RouteAndSubmitAsync(submission, row.CountryCode ?? header.CountryCode ?? "*", cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            // The router already turns carrier errors into results; anything left is a bug or a configuration error.
            Fail(row, RecipientState.Failed, NoCarrierCode, Truncate(ex.Message));
            return;
        }

        PipelineMetrics.CarrierLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("carrier", outcome.Carrier));
        PipelineMetrics.Dispatched.Add(1, new KeyValuePair<string, object?>("carrier", outcome.Carrier), new KeyValuePair<string, object?>("outcome", outcome.Result.Outcome.ToString()));
        row.Carrier = outcome.Carrier;
        row.RoutingJson = JsonSerializer.Serialize(outcome.Attempts.Select(a => new
        {
            carrier = a.Carrier,
            attempt = a.Attempt,
            outcome = a.Outcome.ToString(),
            reason = a.Reason,
            at = a.At,
            latencyMs = Math.Round(a.Latency.TotalMilliseconds, 1),
            action = a.Action.ToString(),
        }), PipelineJson.Options);
        switch (outcome.Result.Outcome)
        {
            case CarrierSubmitOutcome.Accepted:
                row.State = RecipientState.Sent.ToApiName();
                row.CarrierReference = outcome.Result.CarrierReference;
                row.SentAt = time.GetUtcNow();
                row.UpdatedAt = row.SentAt;
                break;
            case CarrierSubmitOutcome.Rejected:
                Fail(row, RecipientState.Rejected, "CARRIER_REJECTED", outcome.Result.Reason);
                break;
            case CarrierSubmitOutcome.Unknown:
                // Not re-sent: the carrier may have it. Its receipt, if one comes, still moves the recipient on.
                Fail(row, RecipientState.Failed, UnknownOutcomeCode, outcome.Result.Reason);
                break;
            default:
                Fail(row, RecipientState.Failed, NoCarrierCode, outcome.Result.Reason ?? "Every carrier of the route failed.");
                break;
        }
    }

    private void Fail(RecipientEntity row, RecipientState state, string code, string? detail)
    {
        row.State = state.ToApiName();
        row.ErrorCode = code;
        row.ErrorDetail = Truncate(detail);
        row.UpdatedAt = time.GetUtcNow();
    }

    /// <summary>Writes one outcome. A receipt may have landed first (the sandbox and Kannel answer in milliseconds):
    /// then only what moves the recipient forward is kept, plus the carrier details. True when this outcome set the state.</summary>
    private async Task<bool> WriteOutcomeAsync(RecipientEntity outcome, TimeSpan holdFor, CancellationToken cancellationToken)
    {
        _ = LifecycleApiNames.TryParseApiName(outcome.State, out RecipientState wanted);
        var applied = false;
        var written = await writer.UpdateAsync(outcome.MessageId, outcome.Number, fresh =>
        {
            _ = LifecycleApiNames.TryParseApiName(fresh.State, out RecipientState current);
            applied = RecipientStateMachine.Classify(current, wanted) == TransitionOutcome.Applied;
            if (applied) { fresh.State = outcome.State; }
            fresh.Carrier = outcome.Carrier;
            fresh.CarrierReference ??= outcome.CarrierReference;
            fresh.RoutingJson = outcome.RoutingJson;
            fresh.SentAt ??= outcome.SentAt;
            fresh.ErrorCode ??= outcome.ErrorCode;
            fresh.ErrorDetail ??= outcome.ErrorDetail;
            fresh.UpdatedAt = time.GetUtcNow();
            return true;
        }, holdFor, cancellationToken);
        if (written is not null) { outcome.State = written.State; }
        return applied && written is not null;
    }

    /// <summary>Moves a recipient to <paramref name="to"/> if the state machine allows it from its current state.
    /// Returns the updated row when the state changed; null when it was ignored.</summary>
    private async Task<RecipientEntity?> TransitionAsync(RecipientEntity row, RecipientState to, Action<RecipientEntity> change, CancellationToken cancellationToken)
    {
        var written = await writer.UpdateAsync(row.MessageId, row.Number, fresh =>
        {
            _ = LifecycleApiNames.TryParseApiName(fresh.State, out RecipientState current);
            if (RecipientStateMachine.Classify(current, to) != TransitionOutcome.Applied) { return false; }
            change(fresh);
            fresh.State = to.ToApiName();
            fresh.UpdatedAt = time.GetUtcNow();
            return true;
        }, cancellationToken);
        if (written is not null) { PipelineMetrics.StateChanges.Add(1, new KeyValuePair<string, object?>("state", written.State)); }
        return written;
    }

    /// <summary>Stamps the message (first sent time, its state when it has one recipient) and queues the callbacks.</summary>
    private async Task AfterChangesAsync(MessageEntity header, List<CallbackEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        await stamp.ApplyAsync(header, events, cancellationToken);
        if (!string.IsNullOrEmpty(header.CallbackJson))
        {
            await callbacks.EnqueueAsync(events, cancellationToken: cancellationToken);
        }
    }

    private static Dictionary<string, string>? ParseFields(string? json)
    {
        if (string.IsNullOrEmpty(json) || JsonNode.Parse(json) is not JsonObject obj)
        {
            return null;
        }

        return obj.ToDictionary(p => p.Key, p => p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : p.Value?.ToJsonString() ?? string.Empty, StringComparer.Ordinal);
    }

    private static string? Truncate(string? text) => text is { Length: > 500 } ? text[..500] : text;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dispatch message {QueueMessageId} on {Queue} is malformed and was dropped: {Error}")]
    private static partial void LogMalformed(ILogger logger, string queueMessageId, string queue, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} named by a dispatch message does not exist")]
    private static partial void LogMissing(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId}: dispatch kept failing; {Count} recipients marked failed ({Reason})")]
    private static partial void LogPoisoned(ILogger logger, string messageId, int count, string reason);
}
