using SmsFunctions.Carriers;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Applies delivery receipts (DLRs) from any carrier to recipient state. Idempotent and order-tolerant: the state
/// machine ignores a repeated receipt or one that would move a recipient backwards (SENT after DELIVERED), and an
/// ETag conflict (a concurrent receipt or the dispatcher's own write) is resolved by the recipient owner, which
/// re-reads and decides again (<see cref="RecipientDecisions"/>).
/// </summary>
public sealed partial class ReceiptApplier(
    MessageHeaderCache headers,
    MessageStamp stamp,
    IRecipientOwner owner,
    RecipientStore recipients,
    CallbackEnqueuer callbacks,
    Microsoft.Extensions.Options.IOptionsMonitor<SmsFunctions.App.Callbacks.CallbackOptions> callbackOptions,
    TimeProvider time,
    ILogger<ReceiptApplier> logger) : IDeliveryReceiptSink
{
    public async Task AcceptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        if (!receipt.RepeatedUntilAcknowledged)
        {
            await QueueIntentAsync(receipt, cancellationToken);
        }

        var change = new ApplyReceipt(receipt.State, receipt.At, time.GetUtcNow(), receipt.Carrier, receipt.CarrierReference, receipt.ErrorCode, receipt.Detail, receipt.Nonce);
        var outcome = await owner.ApplyAsync(receipt.MessageId, receipt.Recipient, change, cancellationToken: cancellationToken);
        if (!outcome.StateChanged || outcome.Row is not { } row)
        {
            if (outcome.Row is null)
            {
                LogUnknown(logger, receipt.Carrier, receipt.MessageId, receipt.Recipient);
                return;
            }

            if (outcome.Kind == DecisionKind.Refused && RecipientRows.Read(outcome.Row).IsForAnotherAttempt(change))
            {
                // An earlier attempt's receipt, or one forged from its leaked dlr-url: acknowledged (the carrier stops
                // repeating it), never applied, never reported.
                PipelineMetrics.ReceiptsRefused.Add(1, new KeyValuePair<string, object?>("carrier", receipt.Carrier));
                LogOtherAttempt(logger, receipt.Carrier, receipt.MessageId, receipt.Recipient, receipt.State);
                return;
            }

            if (outcome.Kind == DecisionKind.Refused && RecipientStateMachine.Classify(outcome.From, receipt.State) == TransitionOutcome.Invalid)
            {
                LogInvalid(logger, receipt.MessageId, receipt.Recipient, outcome.From, receipt.State);
            }

            // The same receipt again: perhaps the first one's answer was lost because this process died after
            // storing the state and before queuing its callback. Queue it once more, as a replay: it goes out only
            // if no attempt for this state is on record.
            if (outcome.Kind == DecisionKind.Unchanged && outcome.From == receipt.State
                && (await headers.GetAsync(outcome.Row.AccountId, receipt.MessageId, cancellationToken)) is { CallbackJson.Length: > 0 })
            {
                await callbacks.EnqueueAsync([new CallbackEvent(outcome.Row.AccountId, receipt.MessageId, receipt.Recipient, receipt.State.ToApiName(), receipt.At, Replay: true)], cancellationToken: cancellationToken);
            }

            return;
        }

        // The state is stored: what follows is not the caller's to cancel (a carrier that hung up may never repeat
        // the receipt, and then nothing else would queue this callback).
        var header = await headers.GetAsync(row.AccountId, row.MessageId, CancellationToken.None);
        if (header is not null)
        {
            CallbackEvent[] events = [new CallbackEvent(row.AccountId, row.MessageId, row.Number, row.State, receipt.At)];
            await stamp.ApplyAsync(header, events, CancellationToken.None);
            if (!string.IsNullOrEmpty(header.CallbackJson))
            {
                await callbacks.EnqueueAsync(events, cancellationToken: CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// A receipt nobody will repeat (the sandbox's): if this process dies between storing its final state and queuing
    /// the callback, nothing would ever queue it. So the callback is queued first as a delayed replay — the intent,
    /// held <see cref="SmsFunctions.App.Callbacks.CallbackOptions.CancelReplayDelaySeconds"/> — which goes out only if
    /// the recipient did end in that state and no attempt for it is on record by then.
    /// </summary>
    private async Task QueueIntentAsync(DeliveryReceipt receipt, CancellationToken cancellationToken)
    {
        var state = receipt.State.ToApiName();
        if (!CallbackEnqueuer.ReportedStates.Contains(state)) { return; }
        var row = await recipients.GetAsync(receipt.MessageId, receipt.Recipient, cancellationToken);
        if (row is null || row.State == state) { return; } // unknown, or stored already (a repeat replays by itself)
        if ((await headers.GetAsync(row.AccountId, receipt.MessageId, cancellationToken)) is { CallbackJson.Length: > 0 })
        {
            // Held as long as a cancel's intents: long enough for the real callback, even to a slow receiver, to be on
            // record by then (a shorter wait let intents overtake deliveries still waiting for their host's slot).
            var delay = TimeSpan.FromSeconds(Math.Max(0, callbackOptions.CurrentValue.CancelReplayDelaySeconds));
            await callbacks.EnqueueAsync([new CallbackEvent(row.AccountId, receipt.MessageId, receipt.Recipient, state, receipt.At, Replay: true)], delay, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Carrier} receipt for unknown recipient {Recipient} of message {MessageId}")]
    private static partial void LogUnknown(ILogger logger, string carrier, string messageId, string recipient);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Carrier} receipt ({State}) for {Recipient} of message {MessageId} names a submission attempt other than the recipient's latest claim; ignored")]
    private static partial void LogOtherAttempt(ILogger logger, string carrier, string messageId, string recipient, RecipientState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receipt for {Recipient} of {MessageId} asks {From} -> {To}, which is not a valid move; ignored")]
    private static partial void LogInvalid(ILogger logger, string messageId, string recipient, RecipientState from, RecipientState to);
}
