using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Telemetry;
using SmsFunctions.App.Triggers;
using SmsFunctions.Carriers.Routing;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Queues;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Sends the recipients named by a dispatch queue message: reads them, lets a <see cref="RecipientDispatcher"/> claim,
/// render, route and record them (every recipient-row write goes through the <see cref="IRecipientOwner"/>), pays the
/// refunds owed for recipients that certainly never reached a carrier, stamps the message and queues the callbacks.
/// A claim left behind by a dispatcher that died mid-submit is failed after <see cref="PipelineOptions.ClaimTimeout"/>
/// (FAILED, <see cref="UnknownOutcomeCode"/>, outcome unknown, still charged) rather than re-sent: the carrier may
/// have it; a claim still being worked on in this process is never failed.
/// </summary>
public sealed partial class DispatchHandler(
    MessageStore messages,
    MessageHeaderCache headers,
    MessageStamp stamp,
    RecipientRanges ranges,
    IRecipientOwner owner,
    ClaimRegistry claims,
    CarrierRouter router,
    RecipientRefunds refunds,
    CallbackEnqueuer callbacks,
    ScheduledDispatch scheduled,
    IOptionsMonitor<PipelineOptions> options,
    TimeProvider time,
    ILogger<DispatchHandler> logger) : IQueueMessageHandler
{
    public const string UnknownOutcomeCode = RecipientErrorCodes.OutcomeUnknown;
    public const string NoCarrierCode = RecipientErrorCodes.NoCarrier;
    public const string PoisonCode = RecipientErrorCodes.Poisoned;

    private readonly RecipientDispatcher _dispatcher = new(owner, claims, router, time);

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
        var settings = DispatchSettings.From(options.CurrentValue);
        // Items side by side: each submits in slices of the submit concurrency.
        await Parallel.ForEachAsync(work.Items, new ParallelOptions { MaxDegreeOfParallelism = settings.SubmitConcurrency, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                if (await DispatchItemAsync(item, settings, message.DeliveryCount > 1, ct) is { } wait)
                {
                    lock (work) { retry = retry is null || wait > retry ? wait : retry; }
                }
            });

        return retry is { } delay ? QueueHandlingResult.RetryAfter(delay, "recipients still claimed by another dispatcher") : QueueHandlingResult.Completed;
    }

    /// <summary>A dispatch message that kept failing: its unresolved recipients end FAILED, with the reason and a
    /// callback; those never claimed are refunded, those claimed stay charged with their outcome unknown.</summary>
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
            var settled = new List<RecipientEntity>();
            foreach (var row in rows)
            {
                var outcome = await owner.ApplyAsync(row, new FailPoisoned(RecipientDispatcher.Truncate(reason) ?? string.Empty, now), cancellationToken: cancellationToken);
                if (outcome.StateChanged && outcome.Row is { } changed)
                {
                    events.Add(new CallbackEvent(item.AccountId, item.MessageId, changed.Number, changed.State, now));
                    settled.Add(changed);
                }
                else if (outcome.Row is { } unchanged)
                {
                    settled.Add(unchanged);
                }
            }

            await AfterChangesAsync(header, events, cancellationToken);
            await refunds.PayAsync(settled, cancellationToken);
            LogPoisoned(logger, item.MessageId, events.Count, reason);
        }
    }

    private async Task<TimeSpan?> DispatchItemAsync(DispatchItem item, DispatchSettings settings, bool redelivered, CancellationToken cancellationToken)
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

        var rows = await ranges.ReadAsync(item.MessageId, item.Recipients, cancellationToken);
        var pass = await _dispatcher.DispatchAsync(header, rows, settings, redelivered, async ct =>
        {
            await scheduled.ScheduleExpiryAsync(header, ct);
            await scheduled.ScheduleRollupAsync(header, ct);
        }, cancellationToken);

        await AfterChangesAsync(header, pass.Events, cancellationToken);
        // Last: a refund whose ledger answer is unknown throws, and the redelivery pays it (once, by its change id).
        await refunds.PayAsync(pass.Settled, CancellationToken.None);
        return pass.WaitForOthers;
    }

    /// <summary>Stamps the message (first sent time, its state when it has one recipient) and queues the callbacks.</summary>
    private async Task AfterChangesAsync(MessageEntity header, IReadOnlyList<CallbackEvent> events, CancellationToken cancellationToken)
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dispatch message {QueueMessageId} on {Queue} is malformed and was dropped: {Error}")]
    private static partial void LogMalformed(ILogger logger, string queueMessageId, string queue, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} named by a dispatch message does not exist")]
    private static partial void LogMissing(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId}: dispatch kept failing; {Count} recipients marked failed ({Reason})")]
    private static partial void LogPoisoned(ILogger logger, string messageId, int count, string reason);
}
